//! The network layer: the reqwest client (DNS, redirects, proxies, size limits, error
//! diagnosis) in `http`, TLS trust in `tls`, and the certificate summaries both show in
//! `x509`.

pub mod http;
pub mod tls;
pub mod x509;
