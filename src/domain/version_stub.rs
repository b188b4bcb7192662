#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NormalizedVersion(String);
impl NormalizedVersion {
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn is_dev(&self) -> bool {
        self.0.starts_with("dev-") || self.0.ends_with("-dev")
    }
}
impl std::fmt::Display for NormalizedVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionError(pub String);
impl std::fmt::Display for VersionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
pub fn normalize(input: &str) -> Result<NormalizedVersion, VersionError> {
    if input.is_empty() {
        return Err(VersionError("empty".into()));
    }
    if input.starts_with("dev-") {
        return Ok(NormalizedVersion(input.into()));
    }
    let parts: Vec<&str> = input.trim_start_matches('v').split('.').collect();
    if parts.iter().any(|p| p.parse::<u64>().is_err()) {
        return Err(VersionError(format!("invalid version string {input:?}")));
    }
    let mut p: Vec<String> = parts.iter().map(|s| s.to_string()).collect();
    while p.len() < 4 {
        p.push("0".into());
    }
    Ok(NormalizedVersion(p.join(".")))
}
pub fn compare(a: &NormalizedVersion, b: &NormalizedVersion) -> std::cmp::Ordering {
    a.0.cmp(&b.0)
}
