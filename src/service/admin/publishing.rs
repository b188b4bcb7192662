//! `package_publish_batch`: many archives in one request and one change, each answered on its
//! own, so a folder publishes with one catalogue rebuild per batch instead of one per archive.

use super::AdminCommand;
use crate::service::publish::{Origin, PublishOutcome, PublishRequest, publish_batch};
use crate::service::{App, Result, ServiceError};
use serde::{Deserialize, Serialize};

/// The operator's archives, each read by the process that runs the request. A long list is
/// split into batches (`publish::split_batches`), one change each.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PackagePublishBatch {
    pub archives: Vec<PublishRequest>,
}

/// One archive's answer: `{"outcome": …}` as `package_publish` answers, or `{"error": {"code",
/// "message"}}` as the admin API refuses a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PublishAnswer {
    Outcome(PublishOutcome),
    Error(AnswerError),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerError {
    pub code: String,
    pub message: String,
}

impl From<Result<PublishOutcome>> for PublishAnswer {
    fn from(result: Result<PublishOutcome>) -> Self {
        match result {
            Ok(outcome) => PublishAnswer::Outcome(outcome),
            Err(error) => PublishAnswer::Error(AnswerError {
                code: error.code().to_string(),
                message: error.to_string(),
            }),
        }
    }
}

impl PublishAnswer {
    /// The result as the caller would have had it from `package_publish`.
    pub fn into_result(self) -> Result<PublishOutcome> {
        match self {
            PublishAnswer::Outcome(outcome) => Ok(outcome),
            PublishAnswer::Error(error) => {
                Err(ServiceError::from_remote(&error.code, error.message))
            }
        }
    }
}

impl AdminCommand for PackagePublishBatch {
    type Response = Vec<PublishAnswer>;

    fn run(self, app: &App) -> Result<Vec<PublishAnswer>> {
        let items: Vec<(PublishRequest, Origin)> = self
            .archives
            .into_iter()
            .map(|request| {
                let origin = Origin::Cli {
                    file: request.path.clone(),
                };
                (request, origin)
            })
            .collect();
        let results = publish_batch(app, &items);
        Ok(results.into_iter().map(PublishAnswer::from).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_answer_travels_as_an_outcome_or_an_error_and_comes_back_the_same() {
        let outcome = PublishOutcome {
            name: "acme/foo".into(),
            version: "1.0.0".into(),
            version_normalized: "1.0.0.0".into(),
            shasum: "ab".into(),
            status: "published".into(),
            warnings: Vec::new(),
        };
        let refused = ServiceError::Conflict("acme/foo 1.0.0 was published concurrently".into());
        let answers: Vec<PublishAnswer> = vec![Ok(outcome.clone()).into(), Err(refused).into()];
        let json = serde_json::to_value(&answers).unwrap();
        assert_eq!(json[0]["outcome"]["status"], "published");
        assert_eq!(
            json[1],
            serde_json::json!({"error": {"code": "conflict", "message": "acme/foo 1.0.0 was published concurrently"}})
        );
        let back: Vec<PublishAnswer> = serde_json::from_value(json).unwrap();
        let mut results = back.into_iter().map(PublishAnswer::into_result);
        assert_eq!(results.next().unwrap().unwrap(), outcome);
        let error = results.next().unwrap().unwrap_err();
        assert!(matches!(error, ServiceError::Conflict(_)), "{error:?}");
        assert_eq!(
            error.to_string(),
            "acme/foo 1.0.0 was published concurrently"
        );
    }
}
