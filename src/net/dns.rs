//! Name resolution: every name `cpis` resolves goes through [`lookup`], and a name that
//! cannot be resolved fails with a [`DnsError`] that diagnosis can find.

use std::error::Error as StdError;
use std::fmt;
use std::io;

/// A host name that could not be resolved.
#[derive(Debug)]
pub struct DnsError {
    pub host: String,
    pub source: io::Error,
}

impl fmt::Display for DnsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot resolve {} (DNS)", self.host)
    }
}

impl StdError for DnsError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&self.source)
    }
}

/// The addresses of `host` from the system resolver (an IP address is its own answer). Every
/// name `cpis` resolves goes through here. In a build with the test hooks, `CPIS_TEST_OFFLINE`
/// makes every name but an IP address fail as an unknown one, so that no test can reach a
/// real host (the tests set it for every run).
pub async fn lookup(host: &str, port: u16) -> std::io::Result<Vec<std::net::SocketAddr>> {
    #[cfg(feature = "test-hooks")]
    if std::env::var_os("CPIS_TEST_OFFLINE").is_some()
        && host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_err()
    {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "failed to lookup address information: Name or service not known (offline: a test run)",
        ));
    }
    Ok(tokio::net::lookup_host((host, port)).await?.collect())
}

/// The system resolver, failing with a [`DnsError`] that classification can find.
pub(super) struct Resolver;

impl reqwest::dns::Resolve for Resolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            // `localhost` is this machine by definition: never asked of DNS, which could say
            // otherwise (plain HTTP is allowed to it).
            if host.eq_ignore_ascii_case("localhost") {
                let addrs: Vec<std::net::SocketAddr> = vec![
                    (std::net::Ipv4Addr::LOCALHOST, 0).into(),
                    (std::net::Ipv6Addr::LOCALHOST, 0).into(),
                ];
                return Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs);
            }
            let found = lookup(&host, 0).await;
            match found {
                Ok(addrs) => Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs),
                Err(source) => {
                    Err(Box::new(DnsError { host, source }) as Box<dyn StdError + Send + Sync>)
                }
            }
        })
    }
}
