//! The screens, in the order the tab bar and the number keys give them.

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Tab {
    #[default]
    Dashboard,
    Customers,
    Projects,
    Tokens,
    Licences,
    Packages,
    Downloads,
    Audit,
    Advisories,
    Publishers,
    PublishLog,
}

impl Tab {
    pub const ALL: [Tab; 11] = [
        Tab::Dashboard,
        Tab::Customers,
        Tab::Projects,
        Tab::Tokens,
        Tab::Licences,
        Tab::Packages,
        Tab::Downloads,
        Tab::Audit,
        Tab::Advisories,
        Tab::Publishers,
        Tab::PublishLog,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Tab::Dashboard => "Dashboard",
            Tab::Customers => "Customers",
            Tab::Projects => "Projects",
            Tab::Tokens => "Tokens",
            Tab::Licences => "Licences",
            Tab::Packages => "Packages",
            Tab::Downloads => "Downloads",
            Tab::Audit => "Audit",
            Tab::Advisories => "Advisories",
            Tab::Publishers => "Publishers",
            Tab::PublishLog => "Publish log",
        }
    }

    pub fn index(self) -> usize {
        Tab::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }
}
