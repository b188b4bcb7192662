//! HTTPS from PEM files (rustls). The certificate is chosen per handshake from a swappable slot,
//! so a renewed certificate is served from the next connection on, without a restart and without
//! disturbing connections already open.

use arc_swap::ArcSwap;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use tokio_rustls::TlsAcceptor;

#[derive(Debug)]
pub struct Certificates {
    cert_path: PathBuf,
    key_path: PathBuf,
    provider: Arc<CryptoProvider>,
    current: ArcSwap<CertifiedKey>,
}

impl ResolvesServerCert for Certificates {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current.load_full())
    }
}

impl Certificates {
    /// Reads both files now; a server must not start with a certificate it cannot serve.
    pub fn load(cert_path: &Path, key_path: &Path) -> Result<Arc<Certificates>, String> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let pair = read_pair(cert_path, key_path, &provider)?;
        Ok(Arc::new(Certificates {
            cert_path: cert_path.to_path_buf(),
            key_path: key_path.to_path_buf(),
            provider,
            current: ArcSwap::from_pointee(pair),
        }))
    }

    /// Re-reads the files. A half-renewed pair (new certificate, old key) is refused and the
    /// previous pair keeps serving; the next change event tries again.
    pub fn reload(&self) -> Result<(), String> {
        let pair = read_pair(&self.cert_path, &self.key_path, &self.provider)?;
        self.current.store(Arc::new(pair));
        Ok(())
    }

    pub fn paths(&self) -> Vec<PathBuf> {
        vec![self.cert_path.clone(), self.key_path.clone()]
    }

    /// HTTP/2 first: Composer multiplexes its parallel requests over one connection.
    pub fn acceptor(self: &Arc<Self>) -> Result<TlsAcceptor, String> {
        let mut config = rustls::ServerConfig::builder_with_provider(self.provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_no_client_auth()
            .with_cert_resolver(self.clone());
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(TlsAcceptor::from(Arc::new(config)))
    }
}

fn read_pair(
    cert_path: &Path,
    key_path: &Path,
    provider: &CryptoProvider,
) -> Result<CertifiedKey, String> {
    let chain = CertificateDer::pem_file_iter(cert_path)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("TLS certificate {}: {e}", cert_path.display()))?;
    if chain.is_empty() {
        return Err(format!(
            "TLS certificate {}: no certificate in the file",
            cert_path.display()
        ));
    }
    // The key's own error could quote key material; say only which file failed.
    let key = PrivateKeyDer::from_pem_file(key_path).map_err(|_| {
        format!(
            "TLS key {}: no readable PEM private key",
            key_path.display()
        )
    })?;
    CertifiedKey::from_der(chain, key, provider).map_err(|e| {
        format!(
            "TLS key {} does not fit certificate {}: {e}",
            key_path.display(),
            cert_path.display()
        )
    })
}
