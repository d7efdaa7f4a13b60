//! A fresh self-signed CA and a server certificate for the sandbox's `--tls` mode.

use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::error::{Error, Result};

pub struct Material {
    /// The CA certificate, PEM, for the client's `--ca-bundle`.
    pub ca_pem: String,
    pub server_config: Arc<rustls::ServerConfig>,
}

fn err(e: impl std::fmt::Display) -> Error {
    Error::unexpected(format!("cannot make sandbox certificates: {e}"))
}

/// A deliberately wrong server certificate, to show what clients (and `cpis doctor`) say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Fault {
    /// Expired yesterday.
    Expired,
    /// Issued for another name (`wrong-name.invalid`), not for this address.
    WrongName,
}

/// Make a CA and a certificate for `localhost`, `127.0.0.1` and `::1` signed by it. The keys
/// live only in memory.
pub fn generate() -> Result<Material> {
    generate_with(None)
}

/// [`generate`], with the server certificate spoilt as `fault` says.
pub fn generate_with(fault: Option<Fault>) -> Result<Material> {
    let ca_key = KeyPair::generate().map_err(err)?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "cpis sandbox CA (throwaway)");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca_params.self_signed(&ca_key).map_err(err)?;

    let key = KeyPair::generate().map_err(err)?;
    let names = match fault {
        Some(Fault::WrongName) => vec!["wrong-name.invalid".to_string()],
        _ => vec![
            "localhost".to_string(),
            "127.0.0.1".to_string(),
            "::1".to_string(),
        ],
    };
    let mut params = CertificateParams::new(names).map_err(err)?;
    if fault == Some(Fault::Expired) {
        let now = std::time::SystemTime::now();
        params.not_before = (now - std::time::Duration::from_secs(30 * 86_400)).into();
        params.not_after = (now - std::time::Duration::from_secs(86_400)).into();
    }
    params
        .distinguished_name
        .push(DnType::CommonName, "cpis sandbox");
    let cert = params.signed_by(&key, &ca_cert, &ca_key).map_err(err)?;

    let chain: Vec<CertificateDer<'static>> = vec![cert.der().clone()];
    let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let mut config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(chain, key_der)
        .map_err(err)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Material {
        ca_pem: ca_cert.pem(),
        server_config: Arc::new(config),
    })
}
