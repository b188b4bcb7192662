//! Where admin requests run: through a running server's admin socket, or on the database directly.
//! Both paths execute the same service code (`service::admin`).

use super::CliError;
use super::output::{Origin, record_origin};
use crate::http::admin_client::{SocketClient, is_listening};
use crate::service::admin::Admin;
use crate::service::{App, Settings};

/// The server's admin socket when one answers, else the database opened in this process; for a
/// command that `only_reads`, only a data folder that already exists. Records which it was (and
/// whether the folder is the per-user default) for the command's output.
pub fn connect(
    settings: Settings,
    only_reads: bool,
    default_data_dir: bool,
) -> Result<Admin, CliError> {
    let socket = settings.admin_socket();
    let server = is_listening(&socket);
    record_origin(Origin {
        data_dir: settings.data_dir.clone(),
        default_data_dir,
        socket: socket.clone(),
        server,
    });
    if server {
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
