//! Binds every address the configuration names, before anything is served, so a taken port or
//! an unreadable certificate stops start-up with a message instead of half a server.

use super::CliError;
use crate::config::Config;
use crate::http::server::PublicListener;
use crate::http::tls::Certificates;
use std::sync::Arc;
use tokio::net::TcpListener;

pub struct Bound {
    pub public: Vec<PublicListener>,
    pub metrics: Option<TcpListener>,
    /// One per public listener, plain ones first: what the start-up lines announce.
    pub urls: Vec<String>,
    pub certificates: Option<Arc<Certificates>>,
}

pub async fn bind(config: &Config) -> Result<Bound, CliError> {
    let mut bound = Bound {
        public: Vec::new(),
        metrics: None,
        urls: Vec::new(),
        certificates: None,
    };
    for address in &config.listen {
        let listener = bind_one(address, "listen").await?;
        bound.urls.push(format!("http://{}", local(&listener)?));
        bound.public.push(PublicListener::Plain(listener));
    }
    if let (Some(cert), Some(key)) = (&config.tls.cert, &config.tls.key) {
        let certificates = Certificates::load(cert, key).map_err(CliError::msg)?;
        let acceptor = certificates.acceptor().map_err(CliError::msg)?;
        for address in &config.tls.listen {
            let listener = bind_one(address, "tls.listen").await?;
            bound.urls.push(format!("https://{}", local(&listener)?));
            bound
                .public
                .push(PublicListener::Tls(listener, acceptor.clone()));
        }
        bound.certificates = Some(certificates);
    }
    if let Some(address) = &config.metrics_listen {
        bound.metrics = Some(bind_one(address, "metrics_listen").await?);
    }
    Ok(bound)
}

async fn bind_one(address: &str, key: &str) -> Result<TcpListener, CliError> {
    TcpListener::bind(address)
        .await
        .map_err(|e| CliError::msg(format!("cannot listen on {address} (`{key}`): {e}")))
}

fn local(listener: &TcpListener) -> Result<std::net::SocketAddr, CliError> {
    listener
        .local_addr()
        .map_err(|e| CliError::msg(e.to_string()))
}
