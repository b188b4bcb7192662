//! Composer 2 metadata: one release's entry, and the "composer/2.0" minified list format.

use serde_json::{Map, Value};

pub const UNSET: &str = "__unset";

pub struct ReleaseFacts<'a> {
    pub name: &'a str,
    pub version: &'a str,
    pub version_normalized: &'a str,
    pub time: &'a str,
    pub dist_url: &'a str,
    pub shasum: &'a str,
}

/// The package's own composer.json fields, with the facts the repository vouches for on top.
pub fn release_entry(
    composer_json: &Map<String, Value>,
    facts: &ReleaseFacts,
) -> Map<String, Value> {
    let mut entry = Map::new();
    entry.insert("name".into(), facts.name.into());
    entry.insert("version".into(), facts.version.into());
    entry.insert("version_normalized".into(), facts.version_normalized.into());
    for (key, value) in composer_json {
        if !matches!(
            key.as_str(),
            "name" | "version" | "version_normalized" | "dist" | "time"
        ) {
            entry.insert(key.clone(), value.clone());
        }
    }
    entry.insert("time".into(), facts.time.into());
    let dist = serde_json::json!({
        "type": "zip",
        "url": facts.dist_url,
        "reference": facts.shasum,
        "shasum": facts.shasum,
    });
    entry.insert("dist".into(), dist);
    entry
}

/// Each entry after the first keeps only the top-level keys whose value differs from the previous
/// expanded entry; keys that disappear are marked `"__unset"`.
pub fn minify(entries: &[Map<String, Value>]) -> Vec<Value> {
    let mut minified = Vec::with_capacity(entries.len());
    let mut previous: Option<&Map<String, Value>> = None;
    for entry in entries {
        let Some(last) = previous else {
            minified.push(Value::Object(entry.clone()));
            previous = Some(entry);
            continue;
        };
        let mut diff: Map<String, Value> = entry
            .iter()
            .filter(|(key, value)| last.get(*key) != Some(value))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect();
        for key in last.keys().filter(|key| !entry.contains_key(*key)) {
            diff.insert(key.clone(), UNSET.into());
        }
        minified.push(Value::Object(diff));
        previous = Some(entry);
    }
    minified
}

/// The inverse of [`minify`], as Composer's client applies it.
pub fn expand(minified: &[Value]) -> Vec<Map<String, Value>> {
    let mut expanded = Vec::with_capacity(minified.len());
    let mut current = Map::new();
    for item in minified {
        let Value::Object(diff) = item else { continue };
        for (key, value) in diff {
            if value == UNSET {
                current.remove(key);
            } else {
                current.insert(key.clone(), value.clone());
            }
        }
        expanded.push(current.clone());
    }
    expanded
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    #[test]
    fn minified_list_keeps_only_changes_and_unsets() {
        let entries = [
            object(
                json!({"name": "a/b", "version": "2.0.0", "require": {"php": ">=8"}, "extra": 1}),
            ),
            object(json!({"name": "a/b", "version": "1.0.0", "require": {"php": ">=8"}})),
            object(json!({"name": "a/b", "version": "0.9.0", "require": {"php": ">=7"}})),
        ];
        let minified = minify(&entries);
        assert_eq!(minified[1], json!({"version": "1.0.0", "extra": "__unset"}));
        assert_eq!(
            minified[2],
            json!({"version": "0.9.0", "require": {"php": ">=7"}})
        );
        assert_eq!(expand(&minified), entries.to_vec());
    }

    #[test]
    fn release_entry_puts_repository_facts_over_the_package_fields() {
        let composer = object(json!({"name": "A/B", "version": "9", "require": {"php": "*"}}));
        let facts = ReleaseFacts {
            name: "a/b",
            version: "1.0.0",
            version_normalized: "1.0.0.0",
            time: "2025-01-01T00:00:00+00:00",
            dist_url: "http://h/dist/a/b/1.0.0.zip",
            shasum: "abc",
        };
        let entry = release_entry(&composer, &facts);
        assert_eq!(entry["name"], "a/b");
        assert_eq!(entry["version"], "1.0.0");
        assert_eq!(entry["require"], json!({"php": "*"}));
        assert_eq!(entry["dist"]["url"], "http://h/dist/a/b/1.0.0.zip");
    }
}
