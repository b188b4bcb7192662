//! Entry names that are safe to extract anywhere.

/// Whether an entry name stays inside the extraction folder on every OS:
/// Windows extractors treat `\` and drive letters as path syntax too.
pub(super) fn is_safe_path(name: &str) -> bool {
    let bytes = name.as_bytes();
    let absolute = bytes.first().is_some_and(|b| *b == b'/' || *b == b'\\')
        || (bytes.get(1) == Some(&b':') && bytes.first().is_some_and(u8::is_ascii_alphabetic));
    let has_parent = name.split(['/', '\\']).any(|part| part == "..");
    !name.is_empty() && !absolute && !has_parent && !name.contains('\0')
}
