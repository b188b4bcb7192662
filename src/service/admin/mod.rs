//! The admin protocol: every admin operation as a request type with its typed response, defined
//! once here and shared by the CLI, the TUI and the admin socket.
//!
//! A request is a struct implementing [`AdminCommand`], which names its response type and runs it
//! against an [`App`]. [`AdminRequest`] is the sum of them all, as it travels over the socket
//! (`{"op": "project_create", …}`); the server answers with the response encoded as JSON and the
//! client decodes it into the same type. [`Admin`] is the caller's handle: the `App` in this
//! process, or a server reached through a [`Remote`] transport.
//!
//! Listings that can be long are [`AdminListing`]s instead: their rows are walked a page at a
//! time and travel as a JSON array written while it is read (see `listing`).

mod client;
mod listing;
mod publishing;
mod requests;

pub use client::{Admin, Remote};
pub use listing::{AdminListing, Answer, Rows};
pub use publishing::{AnswerError, PackagePublishBatch, PublishAnswer};
pub use requests::*;

use super::{App, Result, ServiceError};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub trait AdminCommand: Into<AdminRequest> {
    type Response: Serialize + DeserializeOwned + Send + 'static;

    fn run(self, app: &App) -> Result<Self::Response>;
}

/// Declares the wire enum over the request types, and the one dispatch that runs any of them.
macro_rules! admin_protocol {
    (
        commands { $($variant:ident($request:ty)),* $(,)? }
        listings { $($listing_variant:ident($listing:ty)),* $(,)? }
    ) => {
        #[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
        #[serde(tag = "op", rename_all = "snake_case")]
        pub enum AdminRequest {
            $($variant($request),)*
            $($listing_variant($listing),)*
        }

        $(impl From<$request> for AdminRequest {
            fn from(request: $request) -> Self {
                AdminRequest::$variant(request)
            }
        })*

        $(impl From<$listing> for AdminRequest {
            fn from(request: $listing) -> Self {
                AdminRequest::$listing_variant(request)
            }
        })*

        /// Runs a request and answers it as the admin socket sends it: listings as a JSON array
        /// produced while it is sent, everything else whole.
        pub fn answer(app: &App, request: AdminRequest) -> Result<Answer<'_>> {
            match request {
                $(AdminRequest::$variant(request) => Ok(Answer::Whole(encode(&request.run(app)?)?)),)*
                $(AdminRequest::$listing_variant(request) => Ok(listing::json_array(request.rows(app)?)),)*
            }
        }
    };
}

admin_protocol! {
    commands {
        CustomerCreate(CustomerCreate),
        CustomerList(CustomerList),
        CustomerShow(CustomerShow),
        CustomerRename(CustomerRename),
        CustomerDelete(CustomerDelete),
        ProjectCreate(ProjectCreate),
        ProjectList(ProjectList),
        ProjectRename(ProjectRename),
        ProjectDelete(ProjectDelete),
        ProjectCheck(ProjectCheck),
        TokenCreate(TokenCreate),
        TokenList(TokenList),
        TokenRevoke(TokenRevoke),
        TokenShow(TokenShow),
        TokenRotate(TokenRotate),
        TokenExtend(TokenExtend),
        TokenAllow(TokenAllow),
        LicenceCreate(LicenceCreate),
        LicenceActivate(LicenceActivate),
        LicenceDeactivate(LicenceDeactivate),
        LicenceRevoke(LicenceRevoke),
        LicenceList(LicenceList),
        LicencePreview(LicencePreview),
        LicenceExtend(LicenceExtend),
        LicenceEdit(LicenceEdit),
        LicenceMove(LicenceMove),
        LicenceShow(LicenceShow),
        LicenceExpiring(LicenceExpiring),
        PackagePublish(super::publish::PublishRequest),
        PackagePublishGit(super::git_publish::GitPublishRequest),
        PackagePublishBatch(PackagePublishBatch),
        PackageList(PackageList),
        PackageShow(PackageShow),
        PackageYank(PackageYank),
        PackageUnyank(PackageUnyank),
        PackageRemove(PackageRemove),
        PublisherCreate(PublisherCreate),
        PublisherList(PublisherList),
        PublisherRevoke(PublisherRevoke),
        AdvisoryImpact(AdvisoryImpact),
        AdvisoryOverview(AdvisoryOverview),
        DashboardStats(DashboardStats),
        DownloadStats(DownloadStats),
        ServerStatus(ServerStatus),
        ServerConfig(ServerConfig),
        Backup(Backup),
        AdvisoryAdd(AdvisoryAdd),
        AdvisoryList(AdvisoryList),
        AdvisoryShow(AdvisoryShow),
        AdvisoryEdit(AdvisoryEdit),
        AdvisoryWithdraw(AdvisoryWithdraw),
    }
    listings {
        Downloads(Downloads),
        PublishLog(PublishLog),
        AuditLog(AuditLog),
    }
}

/// Runs a request and answers its whole encoded answer (a listing's rows gathered).
pub fn execute(app: &App, request: AdminRequest) -> Result<Vec<u8>> {
    answer(app, request)?.into_bytes()
}

pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(value).map_err(|e| ServiceError::Io(format!("cannot encode answer: {e}")))
}

pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes)
        .map_err(|e| ServiceError::Io(format!("unexpected answer from the server: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_travel_as_json_tagged_with_their_operation() {
        let request: AdminRequest = TokenList {
            project: Some("acme".into()),
            expiring: None,
        }
        .into();
        let json = serde_json::to_value(&request).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"op": "token_list", "project": "acme", "expiring": null})
        );
        let back: AdminRequest = serde_json::from_value(json).unwrap();
        assert!(
            matches!(back, AdminRequest::TokenList(TokenList { project: Some(p), .. }) if p == "acme")
        );
    }

    #[test]
    fn a_request_without_fields_reads_from_its_tag_alone() {
        let back: AdminRequest = serde_json::from_str(r#"{"op":"project_list"}"#).unwrap();
        assert!(matches!(back, AdminRequest::ProjectList(_)));
    }

    #[test]
    fn an_unknown_operation_is_refused_by_name() {
        let error = serde_json::from_str::<AdminRequest>(r#"{"op":"drop_tables"}"#).unwrap_err();
        assert!(error.to_string().contains("drop_tables"), "{error}");
    }
}
