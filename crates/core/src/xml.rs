//! XML for the HL7 V3 route and the sandbox's MHS adaptor: a writer ([`Doc`]) and a small,
//! defensive reader: the document becomes a tree of elements
//! with their namespaces resolved. A DTD (and so any entity definition) is refused; only the
//! five predefined entities and character references are read; the size, depth and number of
//! elements are bounded; end tags must match.

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::name::ResolveResult;
use quick_xml::{NsReader, Writer};

/// The largest reply document read.
pub const MAX_DOCUMENT: usize = 4 * 1024 * 1024;
const MAX_DEPTH: usize = 64;
const MAX_ELEMENTS: usize = 200_000;

#[derive(Debug, Clone, Default)]
pub struct Element {
    /// The namespace URI, if the element is in one.
    pub ns: Option<String>,
    pub name: String,
    /// Attributes by local name (namespaced attributes are rare here; `xmlns` ones are left out).
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Element>,
    pub text: String,
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Children named `name` in the same namespace as this element.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children
            .iter()
            .filter(move |c| c.name == name && c.ns == self.ns)
    }

    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children
            .iter()
            .find(|c| c.name == name && c.ns == self.ns)
    }

    /// The element down a path of child names.
    pub fn at(&self, path: &[&str]) -> Option<&Element> {
        let mut e = self;
        for p in path {
            e = e.child(p)?;
        }
        Some(e)
    }

    /// An attribute down a path.
    pub fn attr_at(&self, path: &[&str], attr: &str) -> Option<&str> {
        self.at(path)?.attr(attr)
    }
}

/// Why a document could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable(pub String);

fn bad(why: impl Into<String>) -> Unreadable {
    Unreadable(why.into())
}

/// Parse `bytes` (UTF-8) into its root element.
pub fn parse(bytes: &[u8]) -> Result<Element, Unreadable> {
    if bytes.len() > MAX_DOCUMENT {
        return Err(bad(format!(
            "the document is larger than {} MiB",
            MAX_DOCUMENT / (1024 * 1024)
        )));
    }
    let text = std::str::from_utf8(bytes).map_err(|_| bad("the document is not UTF-8"))?;
    let mut reader = NsReader::from_str(text);
    reader.config_mut().check_end_names = true;
    reader.config_mut().expand_empty_elements = false;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut count = 0usize;
    loop {
        let (ns, event) = reader
            .read_resolved_event()
            .map_err(|e| bad(format!("not well-formed XML ({e})")))?;
        let ns = match ns {
            ResolveResult::Bound(n) => Some(String::from_utf8_lossy(n.as_ref()).into_owned()),
            ResolveResult::Unbound => None,
            ResolveResult::Unknown(p) => {
                return Err(bad(format!(
                    "undeclared namespace prefix {:?}",
                    String::from_utf8_lossy(&p)
                )))
            }
        };
        match event {
            Event::DocType(_) => {
                return Err(bad(
                    "the document has a DTD (document type declaration), which is refused",
                ))
            }
            Event::Start(ref s) | Event::Empty(ref s) => {
                if root.is_some() {
                    return Err(bad("content after the root element"));
                }
                count += 1;
                if count > MAX_ELEMENTS {
                    return Err(bad("too many elements"));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(bad("elements nested too deeply"));
                }
                let mut el = Element {
                    ns,
                    name: String::from_utf8_lossy(s.local_name().as_ref()).into_owned(),
                    ..Default::default()
                };
                for a in s.attributes() {
                    let a = a.map_err(|e| bad(format!("bad attribute ({e})")))?;
                    let key = a.key;
                    if key.as_ref() == b"xmlns" || key.as_ref().starts_with(b"xmlns:") {
                        continue;
                    }
                    let value = a
                        .unescape_value()
                        .map_err(|e| bad(format!("bad attribute value ({e})")))?;
                    el.attrs.push((
                        String::from_utf8_lossy(key.local_name().as_ref()).into_owned(),
                        value.into_owned(),
                    ));
                }
                if matches!(event, Event::Empty(_)) {
                    close(&mut stack, &mut root, el);
                } else {
                    stack.push(el);
                }
            }
            Event::End(_) => {
                let el = stack.pop().ok_or_else(|| bad("unbalanced end tag"))?;
                close(&mut stack, &mut root, el);
            }
            Event::Text(t) => {
                let s = t
                    .decode()
                    .map_err(|e| bad(format!("bad text ({e})")))?
                    .into_owned();
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&s);
                } else if !s.trim().is_empty() {
                    return Err(bad("text outside the root element"));
                }
            }
            Event::CData(c) => {
                let s = String::from_utf8_lossy(&c).into_owned();
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&s);
                }
            }
            Event::GeneralRef(r) => {
                let resolved = if r.is_char_ref() {
                    r.resolve_char_ref()
                        .map_err(|e| bad(format!("bad character reference ({e})")))?
                        .map(String::from)
                } else {
                    let name = r
                        .decode()
                        .map_err(|e| bad(format!("bad reference ({e})")))?;
                    quick_xml::escape::resolve_predefined_entity(&name).map(str::to_string)
                };
                let Some(s) = resolved else {
                    return Err(bad("an entity reference that is not one of XML's five"));
                };
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&s);
                }
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(bad("the document ends inside an element"));
    }
    root.ok_or_else(|| bad("no root element"))
}

fn close(stack: &mut [Element], root: &mut Option<Element>, el: Element) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(el),
        None => *root = Some(el),
    }
}

/// Text safe for XML 1.0: control characters (which no escaping makes legal) become spaces.
fn xml_text(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() && c != '\t' && c != '\n' && c != '\r' {
                ' '
            } else {
                c
            }
        })
        .collect::<String>()
        .trim()
        .to_string()
}

/// An XML document being written: every value escaped by the writer, control characters
/// (which no escaping makes legal in XML 1.0) replaced, nothing concatenated into markup.
pub struct Doc {
    w: Writer<Vec<u8>>,
}

impl Default for Doc {
    fn default() -> Self {
        Self::new()
    }
}

impl Doc {
    pub fn new() -> Self {
        let mut d = Doc {
            w: Writer::new_with_indent(Vec::new(), b' ', 2),
        };
        d.put(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
        d
    }

    pub fn finish(self) -> String {
        let mut out = String::from_utf8(self.w.into_inner()).expect("the writer writes UTF-8");
        out.push('\n');
        out
    }

    fn put(&mut self, e: Event<'_>) {
        self.w.write_event(e).expect("writing XML to memory");
    }

    fn start(name: &str, attrs: &[(&str, &str)]) -> BytesStart<'static> {
        let mut s = BytesStart::new(name.to_string());
        for (k, v) in attrs {
            let v = xml_text(v);
            s.push_attribute((*k, v.as_str()));
        }
        s
    }

    pub fn open(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.put(Event::Start(Self::start(name, attrs)));
    }

    pub fn close(&mut self, name: &str) {
        self.put(Event::End(BytesEnd::new(name.to_string())));
    }

    pub fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.put(Event::Empty(Self::start(name, attrs)));
    }

    pub fn text(&mut self, name: &str, text: &str) {
        self.open(name, &[]);
        let t = xml_text(text);
        self.put(Event::Text(BytesText::new(&t)));
        self.close(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dtds_and_unknown_entities_are_refused() {
        let e = parse(b"<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>")
            .unwrap_err();
        assert!(e.0.contains("DTD"), "{e:?}");
        assert!(parse(b"<x>&e;</x>").is_err());
        assert!(parse(b"<x><y></x>").is_err());
        assert!(parse(b"<a:x/>").is_err());
        let deep = "<a>".repeat(100) + &"</a>".repeat(100);
        assert!(parse(deep.as_bytes()).is_err());
    }

    #[test]
    fn namespaces_are_resolved() {
        let r = parse(b"<h:R xmlns:h=\"urn:hl7-org:v3\"><h:id root=\"A&amp;B\"/><id root=\"other\"/><h:t>x &lt; y&#33;</h:t></h:R>").unwrap();
        assert_eq!(r.ns.as_deref(), Some("urn:hl7-org:v3"));
        assert_eq!(r.name, "R");
        // The unprefixed `id` is in no namespace: not the HL7 one.
        assert_eq!(r.all("id").count(), 1);
        assert_eq!(r.attr_at(&["id"], "root"), Some("A&B"));
        assert_eq!(r.child("t").unwrap().text, "x < y!");
    }
}
