//! A test certificate authority (rcgen) and a rustls client that reports which certificate the
//! server presented and which protocol it agreed to.

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, ServerName};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
    pub ca_path: PathBuf,
    pub cert_path: PathBuf,
    pub key_path: PathBuf,
}

impl TestCa {
    /// A CA in `dir/ca.pem` and a first server certificate for localhost / 127.0.0.1.
    pub fn new(dir: &Path) -> TestCa {
        std::fs::create_dir_all(dir).unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "Packagento test CA");
        let issuer = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
        let ca = TestCa {
            ca_path: dir.join("ca.pem"),
            cert_path: dir.join("server.pem"),
            key_path: dir.join("server.key"),
            issuer,
        };
        std::fs::write(&ca.ca_path, ca.issuer.pem()).unwrap();
        ca.issue(1);
        ca
    }

    /// Writes a fresh server certificate and key with `serial` (each to a temporary file renamed
    /// into place, as certbot and `mv` do) and returns the certificate's DER.
    pub fn issue(&self, serial: u64) -> Vec<u8> {
        let names = vec!["localhost".to_string(), "127.0.0.1".to_string()];
        let mut params = CertificateParams::new(names).unwrap();
        params.serial_number = Some(serial.into());
        params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        replace(&self.key_path, key.serialize_pem().as_bytes());
        replace(&self.cert_path, cert.pem().as_bytes());
        cert.der().to_vec()
    }

    pub fn client_config(&self, alpn: &[&[u8]]) -> Arc<rustls::ClientConfig> {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(self.issuer.der().clone()).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        Arc::new(config)
    }
}

fn replace(path: &Path, bytes: &[u8]) {
    let temporary = path.with_extension("tmp");
    std::fs::write(&temporary, bytes).unwrap();
    std::fs::rename(&temporary, path).unwrap();
}

pub struct Handshake {
    pub certificate: CertificateDer<'static>,
    pub alpn: Option<Vec<u8>>,
}

/// Connects, completes the handshake (which verifies the chain against the test CA) and reports.
pub fn handshake(addr: &str, config: Arc<rustls::ClientConfig>) -> Handshake {
    let name = ServerName::try_from("localhost").unwrap();
    let mut connection = rustls::ClientConnection::new(config, name).unwrap();
    let mut socket = TcpStream::connect(addr).unwrap();
    while connection.is_handshaking() {
        connection.complete_io(&mut socket).expect("TLS handshake");
    }
    Handshake {
        certificate: connection.peer_certificates().unwrap()[0]
            .clone()
            .into_owned(),
        alpn: connection.alpn_protocol().map(<[u8]>::to_vec),
    }
}

/// One HTTP/1.1 request over TLS, answered as the raw-HTTP client parses it.
pub fn https_get(
    addr: &str,
    ca: &TestCa,
    path: &str,
    headers: &[(&str, &str)],
) -> super::http_client::Response {
    let name = ServerName::try_from("localhost").unwrap();
    let connection = rustls::ClientConnection::new(ca.client_config(&[b"http/1.1"]), name).unwrap();
    let socket = TcpStream::connect(addr).unwrap();
    let mut stream = rustls::StreamOwned::new(connection, socket);
    let mut head = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    let mut raw = Vec::new();
    // A peer that closes without close_notify is an error for rustls; what was read still counts.
    let _ = stream.read_to_end(&mut raw);
    super::http_client::parse(&raw)
}

/// One `GET` over HTTP/2, as Composer's curl sends it: the host travels as the `:authority`
/// pseudo-header, and there is no `Host` header.
pub fn h2_get(
    addr: &str,
    ca: &TestCa,
    path: &str,
    headers: &[(&str, &str)],
) -> super::http_client::Response {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let connector = tokio_rustls::TlsConnector::from(ca.client_config(&[b"h2"]));
        let name = ServerName::try_from("localhost").unwrap();
        let tls = connector.connect(name, tcp).await.unwrap();
        let io = hyper_util::rt::TokioIo::new(tls);
        let executor = hyper_util::rt::TokioExecutor::new();
        let (mut sender, connection) = hyper::client::conn::http2::handshake(executor, io)
            .await
            .unwrap();
        tokio::spawn(connection);
        let mut request = hyper::Request::get(format!("https://{addr}{path}"));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let empty = http_body_util::Empty::<bytes::Bytes>::new();
        let response = sender
            .send_request(request.body(empty).unwrap())
            .await
            .unwrap();
        assert_eq!(response.version(), hyper::Version::HTTP_2);
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_str().unwrap_or("").to_string()))
            .collect();
        let body = http_body_util::BodyExt::collect(response.into_body())
            .await
            .unwrap();
        super::http_client::Response {
            status,
            headers,
            body: body.to_bytes().to_vec(),
        }
    })
}
