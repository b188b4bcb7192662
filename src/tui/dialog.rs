//! Dialogs over the current screen: forms, confirmations, the new-token card, previews, help.

use super::text_input::TextInput;
use crate::service::admin::AdminRequest;
use crate::service::preview::PackagePreview;
use crate::service::tokens::CreatedToken;

#[derive(Debug)]
pub enum Dialog {
    Help { scroll: u16 },
    Form(Form),
    Confirm(Confirm),
    TokenCreated(Box<TokenCard>),
    Preview(Preview),
}

/// What a form's fields become when submitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormKind {
    NewProject,
    RenameProject {
        slug: String,
    },
    NewToken,
    NewLicence,
    Activate {
        licence: String,
    },
    Deactivate {
        licence: String,
    },
    PreviewFor,
    Publish,
    Yank {
        package: String,
    },
    Unyank {
        package: String,
    },
    /// Typing the version is the confirmation: removal cannot be undone.
    RemoveVersion {
        package: String,
    },
}

#[derive(Debug)]
pub struct Field {
    pub label: &'static str,
    pub hint: &'static str,
    pub input: TextInput,
}

impl Field {
    pub fn new(label: &'static str, hint: &'static str, text: &str) -> Self {
        Field {
            label,
            hint,
            input: TextInput::with_text(text),
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

    pub fn value(&self, index: usize) -> String {
        self.fields
            .get(index)
            .map(|f| f.input.text().trim().to_string())
            .unwrap_or_default()
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

#[derive(Debug)]
pub struct TokenCard {
    pub token: CreatedToken,
    pub host: TextInput,
    pub path: TextInput,
    /// 0: host, 1: path.
    pub focus: usize,
    pub outcome: Option<Result<String, String>>,
}

#[derive(Debug)]
pub struct Preview {
    pub project: String,
    pub packages: Vec<PackagePreview>,
    pub scroll: u16,
}
