//! The client's TLS configuration: rustls with the platform's root certificates **plus** the
//! user's extra CA certificates (`--ca-bundle`, the profile's `ca_bundle`, `SSL_CERT_FILE`,
//! `SSL_CERT_DIR`).
//!
//! The trust store is built lazily, on the first certificate to verify: a lookup against an
//! `http://` base URL (or the embedded sandbox) never reads a certificate file. It is built once
//! per client, from each file read at most once, with duplicate certificates removed; the
//! platform's roots are read once per process.
//!
//! Because loading is lazy, a CA file that turns out to be unusable surfaces during the TLS
//! handshake: the verifier fails with a [`CaLoadError`] wrapped in `rustls::Error::Other`, which
//! [`crate::net::http::transport_error`] finds in the error's source chain and reports as a usage
//! error naming the file and where it came from. A cheap [`check_sources`] when the client is
//! built catches missing or unreadable files before any request.
//!
//! There is no way to accept a certificate without verifying it.

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};

/// Where an extra CA certificate file (or directory) came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaSource {
    pub path: PathBuf,
    /// A certificate directory (`SSL_CERT_DIR`) rather than a PEM bundle file.
    pub dir: bool,
    /// Shown to users: `--ca-bundle`, `profile ward (ca_bundle)`, `SSL_CERT_FILE`,
    /// `SSL_CERT_DIR`.
    pub origin: String,
}

impl CaSource {
    pub fn file(path: impl Into<PathBuf>, origin: impl Into<String>) -> Self {
        CaSource {
            path: path.into(),
            dir: false,
            origin: origin.into(),
        }
    }

    pub fn dir(path: impl Into<PathBuf>, origin: impl Into<String>) -> Self {
        CaSource {
            path: path.into(),
            dir: true,
            origin: origin.into(),
        }
    }
}

/// What is wrong with a CA source.
#[derive(Debug, Clone)]
pub enum CaProblem {
    /// It cannot be opened or read (missing, unreadable, a directory where a file is wanted).
    Unreadable(String),
    /// Its PEM cannot be read.
    NotPem(String),
    /// It holds no `-----BEGIN CERTIFICATE-----` section.
    NoCertificates,
    /// A certificate in it cannot be used as a trust anchor.
    BadCertificate(String),
}

/// A CA source the user gave that cannot be used: their input error (exit 2).
#[derive(Debug, Clone)]
pub struct CaLoadError {
    /// The file at fault (for a directory source, the directory or the file in it).
    pub path: PathBuf,
    pub dir: bool,
    pub origin: String,
    pub problem: CaProblem,
}

impl CaLoadError {
    fn new(source: &CaSource, path: &Path, problem: CaProblem) -> Self {
        CaLoadError {
            path: path.to_path_buf(),
            dir: source.dir && path == source.path,
            origin: source.origin.clone(),
            problem,
        }
    }
}

impl fmt::Display for CaLoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = if self.dir {
            "CA directory"
        } else {
            "CA bundle"
        };
        let (path, origin) = (self.path.display(), &self.origin);
        match &self.problem {
            CaProblem::Unreadable(e) => {
                write!(f, "cannot read {what} {path} (set by {origin}): {e}")
            }
            CaProblem::NotPem(e) => write!(
                f,
                "{what} {path} (set by {origin}) is not a PEM certificate bundle: {e}"
            ),
            CaProblem::NoCertificates => write!(
                f,
                "{what} {path} (set by {origin}) holds no PEM certificates (expected -----BEGIN CERTIFICATE-----)"
            ),
            CaProblem::BadCertificate(e) => write!(
                f,
                "{what} {path} (set by {origin}) holds a certificate that cannot be used: {e}"
            ),
        }
    }
}

impl std::error::Error for CaLoadError {}

/// Check, cheaply and before any request, that each source exists, is a file (a directory for
/// `SSL_CERT_DIR`) and can be opened. Its contents are read only when TLS needs them.
pub fn check_sources(sources: &[CaSource]) -> Result<(), CaLoadError> {
    for s in sources {
        let unreadable = |e: String| CaLoadError::new(s, &s.path, CaProblem::Unreadable(e));
        let meta = std::fs::metadata(&s.path).map_err(|e| unreadable(e.to_string()))?;
        if s.dir {
            if !meta.is_dir() {
                return Err(unreadable("not a directory".into()));
            }
            std::fs::read_dir(&s.path).map_err(|e| unreadable(e.to_string()))?;
        } else {
            if !meta.is_file() {
                return Err(unreadable("not a file".into()));
            }
            std::fs::File::open(&s.path).map_err(|e| unreadable(e.to_string()))?;
        }
    }
    Ok(())
}

/// Files already read, by identity, so that links and copies of one file are read once.
#[derive(Debug, Clone, Default)]
struct SeenFiles {
    #[cfg(unix)]
    ids: HashSet<(u64, u64)>,
}

impl SeenFiles {
    /// Records the file; false when it was read before.
    fn first_visit(&mut self, meta: &std::fs::Metadata) -> bool {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            self.ids.insert((meta.dev(), meta.ino()))
        }
        #[cfg(not(unix))]
        {
            let _ = meta;
            true
        }
    }
}

/// The platform's roots, read once per process.
#[derive(Debug, Default)]
struct PlatformRoots {
    /// Sorted, without duplicates.
    certs: Vec<CertificateDer<'static>>,
    /// The files they were read from.
    seen: SeenFiles,
}

static PLATFORM_ROOTS: OnceLock<PlatformRoots> = OnceLock::new();
static PLATFORM_LOADS: AtomicUsize = AtomicUsize::new(0);

/// How many times this process read the platform's roots (0 or 1).
pub fn platform_root_loads() -> usize {
    PLATFORM_LOADS.load(Ordering::Relaxed)
}

fn platform_roots() -> &'static PlatformRoots {
    PLATFORM_ROOTS.get_or_init(|| {
        PLATFORM_LOADS.fetch_add(1, Ordering::Relaxed);
        let mut roots = load_platform_roots();
        roots
            .certs
            .sort_unstable_by(|a, b| a.as_ref().cmp(b.as_ref()));
        roots.certs.dedup();
        roots
    })
}

/// Would the platform's roots alone (no `--ca-bundle`, no `SSL_CERT_*`) trust this chain for
/// `name`? For `cpis doctor`, to tell a public certificate from one trusted only through an
/// extra CA (often a TLS-inspecting proxy).
pub fn trusted_by_platform_alone(chain: &[CertificateDer<'_>], name: &ServerName<'_>) -> bool {
    let Some((leaf, intermediates)) = chain.split_first() else {
        return false;
    };
    let mut store = RootCertStore::empty();
    store.add_parsable_certificates(platform_roots().certs.iter().cloned());
    if store.is_empty() {
        return false;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    WebPkiServerVerifier::builder_with_provider(Arc::new(store), provider)
        .build()
        .is_ok_and(|v| {
            v.verify_server_cert(leaf, intermediates, name, &[], UnixTime::now())
                .is_ok()
        })
}

/// The distribution's CA bundle files, most common first.
#[cfg(all(unix, not(target_vendor = "apple")))]
const PLATFORM_BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/ssl/ca-bundle.pem",
    "/etc/ssl/cert.pem",
    "/usr/local/share/certs/ca-root-nss.crt",
    "/etc/pki/tls/cacert.pem",
];

/// Certificate directories, for systems without a bundle file.
#[cfg(all(unix, not(target_vendor = "apple")))]
const PLATFORM_DIRS: &[&str] = &[
    "/etc/ssl/certs",
    "/etc/pki/tls/certs",
    "/system/etc/security/cacerts",
];

/// Read the distribution's bundle directly, so that `SSL_CERT_FILE`/`SSL_CERT_DIR` (which
/// rustls-native-certs would use *instead of* the platform's roots) do not affect it: `cpis`
/// adds those to the platform's roots.
#[cfg(all(unix, not(target_vendor = "apple")))]
fn load_platform_roots() -> PlatformRoots {
    let mut roots = PlatformRoots::default();
    for path in PLATFORM_BUNDLES {
        let Ok(pem) = std::fs::read(path) else {
            continue;
        };
        if let Ok(meta) = std::fs::metadata(path) {
            roots.seen.first_visit(&meta);
        }
        // Platform bundles are trusted as they are: a section that cannot be read is skipped.
        roots.certs = CertificateDer::pem_slice_iter(&pem)
            .filter_map(|c| c.ok())
            .collect();
        return roots;
    }
    for dir in PLATFORM_DIRS {
        if Path::new(dir).is_dir() {
            roots.certs =
                rustls_native_certs::load_certs_from_paths(None, Some(Path::new(dir))).certs;
            return roots;
        }
    }
    roots
}

/// On macOS and Windows the roots come from the operating system's store. There
/// rustls-native-certs honours `SSL_CERT_FILE`/`SSL_CERT_DIR` itself (they replace the
/// system's store); `cpis` also adds them as extra sources, and duplicates are removed.
#[cfg(not(all(unix, not(target_vendor = "apple"))))]
fn load_platform_roots() -> PlatformRoots {
    PlatformRoots {
        certs: rustls_native_certs::load_native_certs().certs,
        seen: SeenFiles::default(),
    }
}

/// The certificates of a PEM CA bundle (every section must be readable), or why not.
pub fn pem_certificates(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())
}

/// Certificates of one user CA file: every section must be a readable certificate.
fn read_ca_file(
    source: &CaSource,
    path: &Path,
) -> Result<Vec<CertificateDer<'static>>, CaLoadError> {
    let pem = std::fs::read(path)
        .map_err(|e| CaLoadError::new(source, path, CaProblem::Unreadable(e.to_string())))?;
    let certs =
        pem_certificates(&pem).map_err(|e| CaLoadError::new(source, path, CaProblem::NotPem(e)))?;
    if certs.is_empty() {
        return Err(CaLoadError::new(source, path, CaProblem::NoCertificates));
    }
    Ok(certs)
}

/// Whether a file in a certificate directory holds PEM certificates (not a CRL, a key, or
/// another file that lives there).
fn has_pem_certificate(bytes: &[u8]) -> bool {
    bytes
        .windows(27)
        .any(|w| w == b"-----BEGIN CERTIFICATE-----")
}

/// Add one user source's certificates (each file read once) to `out`, tagged with the source.
fn load_source<'a>(
    source: &'a CaSource,
    seen: &mut SeenFiles,
    out: &mut Vec<(CertificateDer<'static>, &'a CaSource, PathBuf)>,
) -> Result<(), CaLoadError> {
    let unreadable = |path: &Path, e: std::io::Error| {
        CaLoadError::new(source, path, CaProblem::Unreadable(e.to_string()))
    };
    if !source.dir {
        let meta = std::fs::metadata(&source.path).map_err(|e| unreadable(&source.path, e))?;
        if !seen.first_visit(&meta) {
            return Ok(());
        }
        for c in read_ca_file(source, &source.path)? {
            out.push((c, source, source.path.clone()));
        }
        return Ok(());
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&source.path)
        .map_err(|e| unreadable(&source.path, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    for path in files {
        // Follows links: hash-named links and readable names reach the same file.
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if !meta.is_file() || !seen.first_visit(&meta) {
            continue;
        }
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        if !has_pem_certificate(&bytes) {
            continue;
        }
        let certs = pem_certificates(&bytes)
            .map_err(|e| CaLoadError::new(source, &path, CaProblem::NotPem(e)))?;
        for c in certs {
            out.push((c, source, path.clone()));
        }
    }
    Ok(())
}

/// The platform's roots plus the user's, without duplicates.
fn build_store(sources: &[CaSource]) -> Result<RootCertStore, CaLoadError> {
    let platform = platform_roots();
    let mut store = RootCertStore::empty();
    store.add_parsable_certificates(platform.certs.iter().cloned());
    let mut have: HashSet<&[u8]> = platform.certs.iter().map(|c| c.as_ref()).collect();
    let mut seen = platform.seen.clone();
    let mut extra = Vec::new();
    for s in sources {
        load_source(s, &mut seen, &mut extra)?;
    }
    for (cert, source, path) in &extra {
        if !have.insert(cert.as_ref()) {
            continue;
        }
        store.add(cert.clone()).map_err(|e| {
            CaLoadError::new(source, path, CaProblem::BadCertificate(e.to_string()))
        })?;
    }
    Ok(store)
}

/// Verifies server certificates against a trust store built on first use.
#[derive(Debug)]
pub struct LazyVerifier {
    sources: Vec<CaSource>,
    provider: Arc<CryptoProvider>,
    inner: OnceLock<Result<Arc<WebPkiServerVerifier>, rustls::Error>>,
}

impl LazyVerifier {
    pub fn new(sources: Vec<CaSource>, provider: Arc<CryptoProvider>) -> Self {
        LazyVerifier {
            sources,
            provider,
            inner: OnceLock::new(),
        }
    }

    /// Whether the trust store has been built (a certificate has been verified).
    pub fn loaded(&self) -> bool {
        self.inner.get().is_some()
    }

    fn verifier(&self) -> Result<&Arc<WebPkiServerVerifier>, rustls::Error> {
        self.inner
            .get_or_init(|| {
                let store = build_store(&self.sources)
                    .map_err(|e| rustls::Error::Other(rustls::OtherError(Arc::new(e))))?;
                WebPkiServerVerifier::builder_with_provider(Arc::new(store), self.provider.clone())
                    .build()
                    .map_err(|e| {
                        rustls::Error::General(format!(
                            "no trusted root certificates ({e}): install the system's CA certificates, or pass a CA bundle with --ca-bundle PATH"
                        ))
                    })
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

/// A chain that leads to no trusted root, with what its last certificate says about its
/// issuer: whether the server left out an intermediate, or sent a root no one here trusts.
/// Carried in `rustls::Error::InvalidCertificate(CertificateError::Other(..))` for
/// [`crate::net::http::transport_error`] to explain.
#[derive(Debug, Clone)]
pub struct UntrustedChain {
    /// The issuer of the last certificate sent (the one the chain would continue with).
    pub issuer: String,
    /// That last certificate is self-issued (a root): the server sent a whole chain to a root
    /// that is not trusted here.
    pub ends_in_root: bool,
    /// It names where its issuer's certificate can be fetched, as public CAs' certificates do:
    /// an intermediate the server should have sent.
    pub names_issuer_url: bool,
    /// How many certificates the server sent.
    pub sent: usize,
}

impl fmt::Display for UntrustedChain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "no trusted root for the certificate chain (the last certificate sent is issued by {:?})",
            self.issuer
        )
    }
}

impl std::error::Error for UntrustedChain {}

/// The `UnknownIssuer` refusal of `end_entity` + `intermediates`, explained.
fn untrusted_chain(
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
) -> rustls::Error {
    let last = intermediates.last().unwrap_or(end_entity);
    let Some(info) = super::x509::issuer_info(last) else {
        return rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
    };
    rustls::Error::InvalidCertificate(rustls::CertificateError::Other(rustls::OtherError(
        Arc::new(UntrustedChain {
            issuer: info.issuer,
            ends_in_root: info.self_issued,
            names_issuer_url: info.names_issuer_url,
            sent: intermediates.len() + 1,
        }),
    )))
}

impl ServerCertVerifier for LazyVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.verifier()?.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Err(rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer)) => {
                Err(untrusted_chain(end_entity, intermediates))
            }
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// A client configuration (ring, TLS 1.2 and 1.3, HTTP/1.1) verifying against the platform's
/// roots plus `sources`; returns the verifier too, to tell whether it has loaded its roots.
pub fn client_config(
    sources: Vec<CaSource>,
) -> Result<(rustls::ClientConfig, Arc<LazyVerifier>), rustls::Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = Arc::new(LazyVerifier::new(sources, provider.clone()));
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous() // a custom verifier; it verifies every certificate
        .with_custom_certificate_verifier(verifier.clone())
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok((config, verifier))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Kind;
    use crate::net::diagnose::{is_retryable, transport_error};
    use crate::net::http::{build_client_with_verifier, HttpOptions};
    use std::time::Duration;

    fn opts(sources: Vec<CaSource>) -> HttpOptions {
        HttpOptions {
            timeout: Duration::from_secs(10),
            ca_sources: sources,
            use_proxy: false,
        }
    }

    #[tokio::test]
    async fn the_trust_store_is_built_on_the_first_tls_connection_only() {
        let dir = tempfile::tempdir().unwrap();
        // Not a certificate: reading it would fail, so an http:// request proves it was not read.
        let garbage = dir.path().join("garbage.pem");
        std::fs::write(&garbage, "not a certificate").unwrap();
        let (client, verifier) =
            build_client_with_verifier(&opts(vec![CaSource::file(&garbage, "--ca-bundle")]))
                .unwrap();

        let plain = crate::sandbox::start(([127, 0, 0, 1], 0).into(), Default::default())
            .await
            .unwrap();
        let r = client
            .get(format!("{}/metadata", plain.base_url))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert!(
            !verifier.loaded(),
            "an http:// request built the trust store"
        );

        // Over HTTPS the store is built, the bad file found, and reported as the user's error.
        let material = crate::sandbox::tls::generate().unwrap();
        let tls = crate::sandbox::start(
            ([127, 0, 0, 1], 0).into(),
            crate::sandbox::Options {
                tls: Some(material.server_config.clone()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let url = url::Url::parse(&format!("{}/metadata", tls.base_url)).unwrap();
        let err = client.get(url.clone()).send().await.unwrap_err();
        assert!(verifier.loaded());
        assert!(!is_retryable(&err));
        let e = transport_error(err, &url, Duration::from_secs(10), false);
        assert_eq!(e.kind, Kind::Usage, "{e}");
        assert!(e.message.contains(&garbage.display().to_string()), "{e}");
        assert!(e.message.contains("set by --ca-bundle"), "{e}");

        // With the sandbox's CA it verifies.
        let ca = dir.path().join("ca.pem");
        std::fs::write(&ca, &material.ca_pem).unwrap();
        let (client, verifier) =
            build_client_with_verifier(&opts(vec![CaSource::file(&ca, "SSL_CERT_FILE")])).unwrap();
        assert!(!verifier.loaded());
        let r = client.get(url.clone()).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(verifier.loaded());
        assert_eq!(
            platform_root_loads(),
            1,
            "platform roots read once per process"
        );
    }

    #[test]
    fn each_file_is_read_once_and_certificates_are_deduplicated() {
        let material = crate::sandbox::tls::generate().unwrap();
        let other = crate::sandbox::tls::generate().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let certs = dir.path().join("certs");
        std::fs::create_dir(&certs).unwrap();
        let ca = certs.join("sandbox.pem");
        std::fs::write(&ca, &material.ca_pem).unwrap();
        // A copy (same certificate, another file), a CRL and a note: only certificates count.
        std::fs::write(certs.join("copy.pem"), &material.ca_pem).unwrap();
        std::fs::write(
            certs.join("revoked.crl"),
            "-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n",
        )
        .unwrap();
        std::fs::write(certs.join("README"), "not a certificate").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(&ca, certs.join("abcd1234.0")).unwrap();
        let other_ca = dir.path().join("other.pem");
        std::fs::write(&other_ca, &other.ca_pem).unwrap();

        let base = build_store(&[]).unwrap().roots.len();
        let store = build_store(&[
            CaSource::file(&ca, "--ca-bundle"),
            CaSource::dir(&certs, "SSL_CERT_DIR"),
            CaSource::file(&other_ca, "SSL_CERT_FILE"),
        ])
        .unwrap();
        assert_eq!(store.roots.len(), base + 2);
    }

    #[test]
    fn unusable_ca_files_name_the_file_and_where_it_came_from() {
        let dir = tempfile::tempdir().unwrap();
        let cases = [
            (
                "garbage",
                "\u{0}\u{1}binary junk",
                "holds no PEM certificates",
            ),
            (
                "unterminated",
                "-----BEGIN CERTIFICATE-----\nAAAA\n",
                "is not a PEM certificate bundle",
            ),
            (
                "not-der",
                "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
                "cannot be used",
            ),
        ];
        for (name, content, want) in cases {
            let p = dir.path().join(name);
            std::fs::write(&p, content).unwrap();
            let source = CaSource::file(&p, "profile ward (ca_bundle)");
            check_sources(std::slice::from_ref(&source)).unwrap();
            let e = build_store(&[source]).unwrap_err().to_string();
            assert!(e.contains(want), "{name}: {e}");
            assert!(e.contains(&p.display().to_string()), "{e}");
            assert!(e.contains("set by profile ward (ca_bundle)"), "{e}");
        }
        let missing = CaSource::file(dir.path().join("missing.pem"), "--ca-bundle");
        let e = check_sources(&[missing]).unwrap_err().to_string();
        assert!(e.starts_with("cannot read CA bundle"), "{e}");
        assert!(e.contains("missing.pem (set by --ca-bundle)"), "{e}");
        let not_dir = CaSource::dir(dir.path().join("garbage"), "SSL_CERT_DIR");
        let e = check_sources(&[not_dir]).unwrap_err().to_string();
        assert!(e.contains("not a directory"), "{e}");
        let not_file = CaSource::file(dir.path(), "SSL_CERT_FILE");
        let e = check_sources(&[not_file]).unwrap_err().to_string();
        assert!(e.contains("not a file"), "{e}");
    }
}
