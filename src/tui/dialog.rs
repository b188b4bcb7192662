//! Dialogs over the current screen: forms, confirmations, the new-token card, previews, help.

use super::tab::Tab;
use super::text_input::TextInput;
use crate::service::admin::AdminRequest;
use crate::service::check::RequirementGap;
use crate::service::preview::PackagePreview;
use crate::service::publishers::CreatedPublisher;
use crate::service::tokens::CreatedToken;

#[derive(Debug)]
pub enum Dialog {
    /// Help for the screen it was asked on.
    Help {
        scroll: u16,
        tab: Tab,
    },
    Form(Form),
    Confirm(Confirm),
    TokenCreated(Box<TokenCard>),
    Preview(Preview),
    /// A new publisher token, its private key shown this once.
    PublisherCreated(Box<PublisherCard>),
    /// A text too long for its row, in full (a publish failure's error).
    Details(Details),
    /// Quitting stops the server in this process; what was open returns if the operator stays.
    Quit {
        behind: Option<Box<Dialog>>,
    },
}

/// What a form's fields become when submitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormKind {
    NewProject,
    RenameProject {
        slug: String,
    },
    NewToken,
    NewPublisher,
    /// The overlap is asked for; submitting it is the confirmation.
    RotateToken {
        public_key: String,
    },
    NewLicence,
    NewCustomer,
    RenameCustomer {
        slug: String,
    },
    /// A subscription's window, to a date or by a period.
    Extend {
        licence: String,
    },
    /// The terms as they were, so only what the operator changed is sent.
    EditLicence(Box<Terms>),
    Move {
        licence: String,
    },
    Activate {
        licence: String,
    },
    Deactivate {
        licence: String,
    },
    PreviewFor,
    Publish,
    /// The version under the cursor; the form asks only for a reason.
    Yank {
        package: String,
        version: String,
    },
}

/// A licence's editable terms as the edit form found them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    pub licence: String,
    pub versions: Option<String>,
    pub seats: Option<u32>,
    pub dependencies: bool,
    pub note: Option<String>,
}

#[derive(Debug)]
pub struct Field {
    pub label: &'static str,
    pub hint: String,
    pub input: TextInput,
    /// A field picked from a list rather than typed: ←/→ move, Space marks (when several may be).
    pub choices: Option<Choices>,
}

impl Field {
    pub fn new(label: &'static str, hint: impl Into<String>, text: &str) -> Self {
        Field {
            label,
            hint: hint.into(),
            input: TextInput::with_text(text),
            choices: None,
        }
    }

    /// One of `options` (value, label), the first selected.
    pub fn pick(label: &'static str, hint: impl Into<String>, options: Vec<Choice>) -> Self {
        Field {
            choices: Some(Choices {
                options,
                index: 0,
                several: false,
                filter: String::new(),
            }),
            ..Field::new(label, hint, "")
        }
    }

    /// Any number of `options`, none marked at first.
    pub fn pick_several(
        label: &'static str,
        hint: impl Into<String>,
        options: Vec<Choice>,
    ) -> Self {
        let mut field = Field::pick(label, hint, options);
        if let Some(choices) = &mut field.choices {
            choices.several = true;
        }
        field
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// What the request carries (a slug, an id).
    pub value: String,
    /// What the operator reads.
    pub label: String,
    pub marked: bool,
}

impl Choice {
    pub fn new(value: impl Into<String>, label: impl Into<String>) -> Self {
        Choice {
            value: value.into(),
            label: label.into(),
            marked: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choices {
    pub options: Vec<Choice>,
    /// The option under the cursor (the one chosen, for a single pick).
    pub index: usize,
    pub several: bool,
    /// What was typed on a single pick: only options whose value or label contain it are offered,
    /// so a long list of projects is narrowed by typing rather than stepped through.
    pub filter: String,
}

impl Choices {
    /// To the next (or previous) option the filter lets through, round the end.
    pub fn step(&mut self, forward: bool) {
        let count = self.options.len();
        let offsets = 1..=count;
        let mut next = offsets.map(|k| match forward {
            true => (self.index + k) % count,
            false => (self.index + count * 2 - k) % count,
        });
        if let Some(index) = next.find(|&i| self.matches(i)) {
            self.index = index;
        }
    }

    pub fn matches(&self, index: usize) -> bool {
        let filter = self.filter.to_lowercase();
        self.options.get(index).is_some_and(|o| {
            o.value.to_lowercase().contains(&filter) || o.label.to_lowercase().contains(&filter)
        })
    }

    /// The options the filter lets through.
    pub fn matching(&self) -> Vec<usize> {
        (0..self.options.len())
            .filter(|&i| self.matches(i))
            .collect()
    }

    /// The option chosen: none when the filter lets nothing through.
    pub fn current(&self) -> Option<&Choice> {
        self.matches(self.index).then(|| &self.options[self.index])
    }

    /// Narrows the list by what was typed, keeping the choice when it still matches.
    pub fn set_filter(&mut self, filter: String) {
        self.filter = filter;
        if !self.matches(self.index)
            && let Some(&first) = self.matching().first()
        {
            self.index = first;
        }
    }

    /// Marks or unmarks the option under the cursor; a single pick has nothing to mark.
    pub fn toggle(&mut self) {
        if let (true, Some(option)) = (self.several, self.options.get_mut(self.index)) {
            option.marked = !option.marked;
        }
    }

    pub fn select(&mut self, value: &str) {
        if let Some(index) = self.options.iter().position(|o| o.value == value) {
            self.index = index;
        }
    }
}

#[derive(Debug)]
pub struct Form {
    pub kind: FormKind,
    pub title: String,
    pub fields: Vec<Field>,
    pub focus: usize,
    /// The server's answer to the last submit, shown in full; the form stays open to fix it.
    pub error: Option<String>,
    /// Submitted and waiting for the answer; further submits are ignored meanwhile.
    pub waiting: bool,
}

impl Form {
    pub fn new(kind: FormKind, title: impl Into<String>, fields: Vec<Field>) -> Self {
        Form {
            kind,
            title: title.into(),
            fields,
            focus: 0,
            error: None,
            waiting: false,
        }
    }

    /// A typed field's text, trimmed, or the value of the option picked.
    pub fn value(&self, index: usize) -> String {
        let Some(field) = self.fields.get(index) else {
            return String::new();
        };
        match &field.choices {
            Some(choices) => choices
                .current()
                .map(|o| o.value.clone())
                .unwrap_or_default(),
            None => field.input.text().trim().to_string(),
        }
    }

    /// The values of the options marked in a pick-several field.
    pub fn marked(&self, index: usize) -> Vec<String> {
        let choices = self.fields.get(index).and_then(|f| f.choices.as_ref());
        let options = choices.map(|c| c.options.as_slice()).unwrap_or_default();
        options
            .iter()
            .filter(|o| o.marked)
            .map(|o| o.value.clone())
            .collect()
    }

    pub fn focused_choices(&mut self) -> Option<&mut Choices> {
        let focus = self.focus;
        self.fields.get_mut(focus)?.choices.as_mut()
    }

    pub fn focused(&mut self) -> &mut TextInput {
        let focus = self.focus.min(self.fields.len().saturating_sub(1));
        &mut self.fields[focus].input
    }
}

#[derive(Debug)]
pub struct Confirm {
    pub title: String,
    /// What will happen, line by line, including everything that goes with it.
    pub lines: Vec<String>,
    pub request: AdminRequest,
    /// Shown in the status line once done.
    pub done: String,
}

/// The token card's focus on its copy keys rather than a field.
pub const COPY_ROW: usize = 2;

#[derive(Debug)]
pub struct TokenCard {
    pub token: CreatedToken,
    pub host: TextInput,
    pub path: TextInput,
    /// 0: host, 1: path, [`COPY_ROW`]: the copy keys (where the card opens).
    pub focus: usize,
    pub outcome: Option<Result<String, String>>,
    /// For a rotation: what became of the old key pair.
    pub rotated: Option<String>,
}

#[derive(Debug)]
pub struct Preview {
    pub project: String,
    pub packages: Vec<PackagePreview>,
    /// Hosted requirements nothing visible satisfies: `composer install` would fail.
    pub gaps: Vec<RequirementGap>,
    pub scroll: u16,
}

#[derive(Debug)]
pub struct PublisherCard {
    pub publisher: CreatedPublisher,
    /// Where CI uploads releases with it.
    pub publish_url: String,
}

#[derive(Debug)]
pub struct Details {
    pub title: String,
    /// (label, value), one a line.
    pub fields: Vec<(&'static str, String)>,
    /// What to do about it, when there is something.
    pub note: Option<String>,
    /// The long text itself, as many lines as it has.
    pub body: String,
    pub scroll: u16,
}
