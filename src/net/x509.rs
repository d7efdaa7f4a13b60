//! Just enough DER to describe a certificate for `cpis doctor` and the TLS diagnoses: the
//! subject's and issuer's common names (or whole names as text) and the validity period.
//! Never used to decide trust.

/// One TLV: (tag, contents, rest).
fn tlv(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = b.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n].iter().fold(0usize, |a, &b| (a << 8) | b as usize);
        (len, &rest[n..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

/// The children of a constructed value.
fn children(mut b: &[u8]) -> Vec<(u8, &[u8])> {
    let mut out = Vec::new();
    while let Some((tag, content, rest)) = tlv(b) {
        out.push((tag, content));
        b = rest;
    }
    out
}

const OID_CN: &[u8] = &[0x55, 0x04, 0x03];
const OID_O: &[u8] = &[0x55, 0x04, 0x0a];

/// A Name as text: its CN, else its O, else "(no name)".
fn name(content: &[u8]) -> String {
    let mut cn = None;
    let mut o = None;
    for (_, set) in children(content) {
        for (_, atv) in children(set) {
            let parts = children(atv);
            if let [(0x06, oid), (_, value)] = parts[..] {
                let text = String::from_utf8_lossy(value).into_owned();
                if oid == OID_CN {
                    cn = Some(text);
                } else if oid == OID_O {
                    o = Some(text);
                }
            }
        }
    }
    cn.or(o).unwrap_or_else(|| "(no name)".into())
}

/// UTCTime (YYMMDDHHMMSSZ) or GeneralizedTime (YYYYMMDDHHMMSSZ) as `YYYY-MM-DD HH:MM UTC`.
fn time(tag: u8, content: &[u8]) -> Option<String> {
    let s = std::str::from_utf8(content).ok()?;
    let (year, rest) = match tag {
        0x17 => {
            let yy: u32 = s.get(..2)?.parse().ok()?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, s.get(2..)?)
        }
        0x18 => (s.get(..4)?.parse().ok()?, s.get(4..)?),
        _ => return None,
    };
    Some(format!(
        "{year:04}-{}-{} {}:{} UTC",
        rest.get(..2)?,
        rest.get(2..4)?,
        rest.get(4..6)?,
        rest.get(6..8)?
    ))
}

/// What `doctor` says about a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub subject: String,
    pub issuer: String,
    pub not_before: String,
    pub not_after: String,
}

/// Read a DER certificate's subject, issuer and validity; `None` if it cannot be read.
pub fn summarise(der: &[u8]) -> Option<Summary> {
    let fields = tbs_fields(der)?;
    // serialNumber, signature, issuer, validity, subject
    let [_, _, (0x30, issuer), (0x30, validity), (0x30, subject), ..] = fields[..] else {
        return None;
    };
    let times = children(validity);
    let [(t1, nb), (t2, na)] = times[..] else {
        return None;
    };
    Some(Summary {
        subject: name(subject),
        issuer: name(issuer),
        not_before: time(t1, nb)?,
        not_after: time(t2, na)?,
    })
}

/// The TBSCertificate's fields after the version: serialNumber, signature, issuer, validity,
/// subject, subjectPublicKeyInfo, then the optional ones.
fn tbs_fields(der: &[u8]) -> Option<Vec<(u8, &[u8])>> {
    let (0x30, cert, _) = tlv(der)? else {
        return None;
    };
    let (0x30, tbs, _) = tlv(cert)? else {
        return None;
    };
    let mut fields = children(tbs);
    if fields.first().is_some_and(|(tag, _)| *tag == 0xa0) {
        fields.remove(0);
    }
    Some(fields)
}

/// What a certificate says about who issued it, for explaining an untrusted chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuerInfo {
    /// The issuer's name as text.
    pub issuer: String,
    /// Issuer and subject are the same name: a root (or self-signed) certificate.
    pub self_issued: bool,
    /// It names where its issuer's certificate can be fetched (Authority Information Access
    /// caIssuers), as certificates from public CAs' intermediates do.
    pub names_issuer_url: bool,
}

/// OID 1.3.6.1.5.5.7.1.1 (authorityInfoAccess) and 1.3.6.1.5.5.7.48.2 (caIssuers).
const OID_AIA: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01];
const OID_CA_ISSUERS: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x02];

/// Read who issued a DER certificate; `None` if it cannot be read.
pub fn issuer_info(der: &[u8]) -> Option<IssuerInfo> {
    let fields = tbs_fields(der)?;
    let [_, _, (0x30, issuer), _, (0x30, subject), ..] = fields[..] else {
        return None;
    };
    // extensions [3] EXPLICIT SEQUENCE OF Extension {extnID, critical?, extnValue}
    let names_issuer_url = fields
        .iter()
        .filter(|(tag, _)| *tag == 0xa3)
        .flat_map(|(_, c)| children(c))
        .flat_map(|(_, seq)| children(seq))
        .any(|(_, ext)| {
            let parts = children(ext);
            matches!(parts.first(), Some((0x06, oid)) if *oid == OID_AIA)
                && parts.last().is_some_and(|(_, value)| {
                    value
                        .windows(OID_CA_ISSUERS.len())
                        .any(|w| w == OID_CA_ISSUERS)
                })
        });
    Some(IssuerInfo {
        issuer: name(issuer),
        self_issued: issuer == subject,
        names_issuer_url,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_the_sandbox_certificates() {
        let m = crate::sandbox::tls::generate().unwrap();
        let der = rustls::pki_types::pem::PemObject::from_pem_slice(m.ca_pem.as_bytes())
            .map(|c: rustls::pki_types::CertificateDer| c.to_vec())
            .unwrap();
        let s = super::summarise(&der).unwrap();
        assert_eq!(s.subject, "cpis sandbox CA (throwaway)");
        assert_eq!(s.issuer, "cpis sandbox CA (throwaway)");
        assert!(
            s.not_after.ends_with(" UTC") && s.not_after.len() == 20,
            "{s:?}"
        );
        let i = super::issuer_info(&der).unwrap();
        assert!(i.self_issued && !i.names_issuer_url, "{i:?}");
        assert!(super::issuer_info(b"").is_none());
        assert!(super::summarise(b"\x30\x03\x02\x01\x00").is_none());
        assert!(super::summarise(b"").is_none());
    }
}
