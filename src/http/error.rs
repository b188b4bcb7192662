//! The one place where an error becomes a status code.

use crate::service::ServiceError;
use crate::service::auth::AuthError;
use crate::store::StoreError;
use serde_json::json;
use warp::http::{HeaderValue, StatusCode, header};
use warp::reply::{Reply, Response};

const STORE_UNAVAILABLE: &str =
    "the archive store cannot be reached right now; nothing was changed, try again shortly";
/// Seconds: long enough for a store restart, short enough for a CI job to wait out.
const STORE_RETRY_AFTER: &str = "30";

pub const REALM: &str = "Basic realm=\"Packagento\", charset=\"UTF-8\"";

#[derive(Debug)]
pub enum ApiError {
    Unauthorized(AuthError),
    /// Unknown *or* not entitled: one body for both, so existence is never disclosed.
    NotFound,
    BadRequest(String),
    MethodNotAllowed,
    PayloadTooLarge,
    /// An uploaded release over `limits.archive_bytes`.
    ArchiveTooLarge {
        max: u64,
    },
    Internal(String),
    /// A request body arrived slower than `connections.min_upload_bytes_per_sec`.
    TooSlow(String),
    /// Authenticated, but this credential may not do this.
    Forbidden(String),
    /// The outcome of the validated publish path, for uploads.
    Publish(ServiceError),
    /// The archive store did not answer; the detail goes to the log only.
    StoreUnavailable(String),
}

impl ApiError {
    fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized(AuthError::Busy) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::PayloadTooLarge | ApiError::ArchiveTooLarge { .. } => {
                StatusCode::PAYLOAD_TOO_LARGE
            }
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::TooSlow(_) => StatusCode::REQUEST_TIMEOUT,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::Publish(error) => service_status(error),
            ApiError::StoreUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// Stable, machine-readable: the `error.code` of upload and admin answers.
    pub(super) fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthorized(AuthError::Busy) => "busy",
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::NotFound => "not_found",
            ApiError::BadRequest(_) => "bad_request",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::PayloadTooLarge | ApiError::ArchiveTooLarge { .. } => "too_large",
            ApiError::Internal(_) => "internal",
            ApiError::TooSlow(_) => "too_slow",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::Publish(error) => error.code(),
            ApiError::StoreUnavailable(_) => "archive_store_unavailable",
        }
    }

    fn message(&self) -> String {
        match self {
            ApiError::Unauthorized(reason) => reason.warning(),
            ApiError::NotFound => "not found".to_string(),
            ApiError::BadRequest(why) => why.clone(),
            ApiError::MethodNotAllowed => "method not allowed".to_string(),
            ApiError::PayloadTooLarge => "request body too large".to_string(),
            ApiError::ArchiveTooLarge { max } => format!(
                "the archive is larger than this server's {max}-byte limit for a release \
                 (limits.archive_bytes)"
            ),
            ApiError::Internal(_) => "internal error; the server log has the details".to_string(),
            ApiError::TooSlow(why) => format!("{why} (connections.min_upload_bytes_per_sec)"),
            ApiError::Forbidden(why) => why.clone(),
            // A full disk names no path, and the uploader should know to retry later.
            ApiError::Publish(error @ ServiceError::Store(StoreError::Unavailable(_))) => {
                error.to_string()
            }
            // Storage and I/O details name server paths: they go to the log only.
            ApiError::Publish(ServiceError::Store(_) | ServiceError::Io(_)) => {
                "internal error; the server log has the details".to_string()
            }
            ApiError::Publish(ServiceError::ArchiveStore(_)) | ApiError::StoreUnavailable(_) => {
                STORE_UNAVAILABLE.to_string()
            }
            ApiError::Publish(error) => error.to_string(),
        }
    }

    /// Upload answers are for CI scripts: `{"error": {"code", "message"}}`.
    pub fn into_publish_response(self) -> Response {
        match &self {
            ApiError::Internal(detail) => tracing::error!(%detail, "upload failed"),
            ApiError::Publish(
                error @ (ServiceError::Store(_)
                | ServiceError::Io(_)
                | ServiceError::ArchiveStore(_)),
            ) => tracing::error!(%error, "upload failed"),
            _ => {}
        }
        let code = self.code();
        self.into_admin_response(code)
    }

    /// Composer prints the `warning` of a JSON error body, so it says why in the user's terminal.
    pub fn into_composer_response(self) -> Response {
        match &self {
            ApiError::Internal(detail) => tracing::error!(%detail, "request failed"),
            ApiError::StoreUnavailable(detail) => tracing::warn!(%detail, "dist unavailable"),
            _ => {}
        }
        let body = json!({ "warning": self.message() }).to_string();
        self.into_response_with(body)
    }

    pub fn into_admin_response(self, code: &str) -> Response {
        let body = json!({ "error": { "code": code, "message": self.message() } }).to_string();
        self.into_response_with(body)
    }

    fn into_response_with(self, body: String) -> Response {
        let mut response = Response::new(body.into());
        *response.status_mut() = self.status();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        match self {
            ApiError::Unauthorized(AuthError::Busy) => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
            }
            ApiError::Unauthorized(_) => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(REALM));
            }
            ApiError::StoreUnavailable(_) | ApiError::Publish(ServiceError::ArchiveStore(_)) => {
                headers.insert(
                    header::RETRY_AFTER,
                    HeaderValue::from_static(STORE_RETRY_AFTER),
                );
            }
            _ => {}
        }
        response
    }
}

impl From<AuthError> for ApiError {
    fn from(error: AuthError) -> Self {
        ApiError::Unauthorized(error)
    }
}

/// Admin errors keep their message: the operator is entitled to know what is wrong.
pub fn admin_error_response(error: &ServiceError) -> Response {
    let status = service_status(error);
    let body = json!({ "error": { "code": error.code(), "message": error.to_string() } });
    let mut response = warp::reply::json(&body).into_response();
    *response.status_mut() = status;
    response
}

fn service_status(error: &ServiceError) -> StatusCode {
    match error {
        ServiceError::NotFound(_) => StatusCode::NOT_FOUND,
        ServiceError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        ServiceError::Conflict(_) => StatusCode::CONFLICT,
        ServiceError::Forbidden(_) => StatusCode::FORBIDDEN,
        ServiceError::Store(StoreError::Unavailable(_)) => StatusCode::SERVICE_UNAVAILABLE,
        ServiceError::ArchiveStore(_) => StatusCode::SERVICE_UNAVAILABLE,
        ServiceError::Store(_) | ServiceError::Io(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}
