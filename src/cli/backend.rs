//! Where admin requests run: through a running server's admin socket, or on the database directly.
//! Both paths execute the same service code (`service::admin`).

use super::CliError;
use crate::http::admin_client::{SocketClient, is_listening};
use crate::service::admin::Admin;
use crate::service::{App, Settings};

/// The server's admin socket when one answers, else the database opened in this process; for a
/// command that `only_reads`, only a data folder that already exists.
pub fn connect(settings: Settings, only_reads: bool) -> Result<Admin, CliError> {
    let socket = settings.admin_socket();
    if is_listening(&socket) {
        return Ok(Admin::Remote(Box::new(SocketClient::new(socket))));
    }
    let opened = match only_reads {
        true => App::open_existing(settings),
        false => App::open(settings),
    };
    match opened {
        Ok(app) => Ok(Admin::Local(app)),
        Err(error) if error.is_locked() => Err(CliError::msg(format!(
            "the database is in use by a running packagento, but its admin socket {} does not answer",
            socket.display()
        ))),
        Err(error) => Err(error.into()),
    }
}
