//! Where admin requests run: through a running server's admin socket, or on the database directly.
//! Both paths execute the same `service::admin::execute`.

use super::{CliError, admin_client};
use crate::service::admin::{AdminRequest, execute};
use crate::service::{App, Settings};
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;

pub enum Backend {
    Server { socket: PathBuf },
    Local(Arc<App>),
}

impl Backend {
    pub fn connect(settings: Settings) -> Result<Backend, CliError> {
        let socket = settings.admin_socket();
        if admin_client::is_listening(&socket) {
            return Ok(Backend::Server { socket });
        }
        match App::open(settings) {
            Ok(app) => Ok(Backend::Local(app)),
            Err(error) if error.is_locked() => Err(CliError::msg(format!(
                "the database is in use by a running packagento, but its admin socket {} does not answer",
                socket.display()
            ))),
            Err(error) => Err(error.into()),
        }
    }

    pub fn call(&self, request: AdminRequest) -> Result<Value, CliError> {
        match self {
            Backend::Server { socket } => admin_client::call(socket, &request),
            Backend::Local(app) => Ok(execute(app, request)?),
        }
    }

    pub fn call_as<T: serde::de::DeserializeOwned>(
        &self,
        request: AdminRequest,
    ) -> Result<T, CliError> {
        let value = self.call(request)?;
        serde_json::from_value(value)
            .map_err(|e| CliError::msg(format!("unexpected answer from the server: {e}")))
    }

    pub fn socket(&self) -> Option<&PathBuf> {
        match self {
            Backend::Server { socket } => Some(socket),
            Backend::Local(_) => None,
        }
    }
}
