//! A Composer auth.json holding one token's credentials, merged into whatever file is there.

use super::tokens::CreatedToken;
use super::{Result, ServiceError};
use serde_json::{Value, json};
use std::io::Write;
use std::path::Path;

/// The auth.json for this host alone, as shown to the operator.
pub fn document_for(host: &str, token: &CreatedToken) -> Value {
    json!({ "http-basic": { host: { "username": token.public_key, "password": token.private_key } } })
}

/// The one-liner that stores the same credentials in Composer's global configuration.
pub fn composer_config_line(host: &str, token: &CreatedToken) -> String {
    format!(
        "composer config --global http-basic.{host} {} {}",
        token.public_key, token.private_key
    )
}

/// Adds this host's credentials to the auth.json at `path` (created when absent), keeping the
/// rest of it. Refuses a file that is not a JSON object rather than overwrite it.
pub fn merge_into(path: &Path, host: &str, token: &CreatedToken) -> Result<()> {
    let document = read(path)?;
    merge(path, document, host, token)
}

/// The auth.json at `path` (`{}` when absent), checked to be a JSON object whose `http-basic`,
/// if any, is an object. Callers read it before creating a token, so a file that cannot take
/// the credentials never costs a private key that nobody saw.
pub fn read(path: &Path) -> Result<Value> {
    let document = match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str::<Value>(&text).map_err(|e| {
            ServiceError::Invalid(format!("{} is not valid JSON ({e})", path.display()))
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => json!({}),
        Err(e) => return Err(io_error(path, e)),
    };
    let basic_ok = document.get("http-basic").is_none_or(Value::is_object);
    if !document.is_object() || !basic_ok {
        return Err(ServiceError::Invalid(format!(
            "{} must be a JSON object whose \"http-basic\" is an object",
            path.display()
        )));
    }
    Ok(document)
}

/// Writes `document` (from [`read`]) back with this host's credentials added. Written to a
/// temporary file and renamed, readable by the owner only: it holds a secret.
pub fn merge(path: &Path, mut document: Value, host: &str, token: &CreatedToken) -> Result<()> {
    let credentials = json!({ "username": token.public_key, "password": token.private_key });
    if let Some(root) = document.as_object_mut() {
        let basic = root.entry("http-basic").or_insert_with(|| json!({}));
        if let Some(basic) = basic.as_object_mut() {
            basic.insert(host.to_string(), credentials);
        }
    }
    let text = serde_json::to_string_pretty(&document).unwrap_or_default();
    write_private(path, &text)
}

fn io_error(path: &Path, error: std::io::Error) -> ServiceError {
    ServiceError::Io(format!("cannot write {}: {error}", path.display()))
}

fn write_private(path: &Path, text: &str) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let temp = path.with_extension("json.tmp");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&temp)
        .map_err(|e| io_error(path, e))?;
    file.write_all(format!("{text}\n").as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| io_error(path, e))?;
    std::fs::rename(&temp, path).map_err(|e| io_error(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token() -> CreatedToken {
        CreatedToken {
            public_key: "a".repeat(32),
            private_key: "b".repeat(64),
            project: "shop".into(),
            label: String::new(),
            created_at: 0,
        }
    }

    #[test]
    fn merging_keeps_other_hosts_and_settings() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("auth.json");
        std::fs::write(&path, r#"{"github-oauth":{"github.com":"x"},"http-basic":{"old.example":{"username":"u","password":"p"}}}"#).unwrap();
        merge_into(&path, "repo.example:8080", &token()).unwrap();
        let written: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(written["github-oauth"]["github.com"], "x");
        assert_eq!(written["http-basic"]["old.example"]["username"], "u");
        assert_eq!(
            written["http-basic"]["repo.example:8080"]["password"],
            "b".repeat(64)
        );
    }

    #[test]
    fn a_file_that_is_not_an_object_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("auth.json");
        std::fs::write(&path, "[1, 2]").unwrap();
        assert!(merge_into(&path, "h", &token()).is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "[1, 2]");
    }
}
