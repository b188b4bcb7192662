//! Metadata bodies: rendered once as a template, then encoded (plain and gzip) once per base URL.

use super::{BaseCache, Body, hash_hex};
use flate2::Compression;
use flate2::write::GzEncoder;
use std::io::Write;
use std::sync::Arc;

/// Stands where the absolute base URL goes. Dist URLs depend on the request's host when no public
/// URL is set, so bodies are kept host-free until a request says which host it used.
pub const BASE_MARKER: &str = "\u{1}packagento-base\u{1}";

/// A host that sends many distinct Host headers must not grow memory without bound.
const MAX_CACHED_BASES: usize = 8;

pub struct Rendered {
    template: String,
    escaped_marker: Option<String>,
    content_hash: String,
    cache: BaseCache,
}

pub struct Encoded {
    pub plain: Body,
    pub gzip: Body,
    pub etag: String,
}

impl Rendered {
    pub fn new(template: String) -> Self {
        let escaped = json_string_content(BASE_MARKER);
        let escaped_marker = template.contains(&escaped).then_some(escaped);
        Self {
            content_hash: hash_hex(template.as_bytes()),
            template,
            escaped_marker,
            cache: Default::default(),
        }
    }

    pub fn content_hash(&self) -> &str {
        &self.content_hash
    }

    pub fn encoded(&self, base: &str) -> Arc<Encoded> {
        let key = if self.escaped_marker.is_some() {
            base
        } else {
            ""
        };
        if let Some(hit) = self.cached(key) {
            return hit;
        }
        let encoded = Arc::new(self.encode(base));
        if let Ok(mut cache) = self.cache.write()
            && cache.len() < MAX_CACHED_BASES
            && !cache.iter().any(|(known, _)| known == key)
        {
            cache.push((key.to_string(), Arc::clone(&encoded)));
        }
        encoded
    }

    fn cached(&self, key: &str) -> Option<Arc<Encoded>> {
        let cache = self.cache.read().ok()?;
        let (_, encoded) = cache.iter().find(|(known, _)| known == key)?;
        Some(Arc::clone(encoded))
    }

    fn encode(&self, base: &str) -> Encoded {
        let plain = match &self.escaped_marker {
            Some(marker) => self.template.replace(marker, &json_string_content(base)),
            None => self.template.clone(),
        };
        let etag = format!("W/\"{}\"", &hash_hex(plain.as_bytes())[..32]);
        Encoded {
            gzip: gzip(plain.as_bytes()),
            plain: Body::from(plain),
            etag,
        }
    }
}

fn json_string_content(text: &str) -> String {
    let quoted = serde_json::Value::from(text).to_string();
    quoted[1..quoted.len() - 1].to_string()
}

fn gzip(bytes: &[u8]) -> Body {
    let mut encoder = GzEncoder::new(Vec::with_capacity(bytes.len() / 4), Compression::default());
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    Body::from(encoder.finish().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_is_filled_in_per_host_and_escaped() {
        let template = serde_json::json!({"url": format!("{BASE_MARKER}/dist/a.zip")}).to_string();
        let rendered = Rendered::new(template);
        let one = rendered.encoded("http://one:8080");
        assert_eq!(
            one.plain,
            Body::from(r#"{"url":"http://one:8080/dist/a.zip"}"#)
        );
        let quoted = rendered.encoded("http://x\"y");
        assert!(serde_json::from_slice::<serde_json::Value>(&quoted.plain).is_ok());
        assert_ne!(one.etag, quoted.etag);
    }

    #[test]
    fn gzip_body_decodes_to_the_plain_body() {
        let rendered = Rendered::new(r#"{"a":1}"#.to_string());
        let encoded = rendered.encoded("http://h");
        let mut decoder = flate2::read::GzDecoder::new(&encoded.gzip[..]);
        let mut text = String::new();
        std::io::Read::read_to_string(&mut decoder, &mut text).unwrap();
        assert_eq!(text, r#"{"a":1}"#);
    }
}
