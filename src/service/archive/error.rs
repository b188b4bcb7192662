//! Why an archive was refused, in words a vendor can act on.

/// Why an archive was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArchiveError {
    /// The file is not a readable zip archive (the reason says why).
    #[error("the file is not a valid zip archive: {0}")]
    NotAZip(String),
    /// The file could not be read from disk.
    #[error("the archive file could not be read: {0}")]
    Unreadable(String),
    /// The zip file itself is larger than allowed.
    #[error("the archive is {size} bytes, more than the {max}-byte limit for a release")]
    TooLarge { size: u64, max: u64 },
    /// The archive declares more entries than allowed.
    #[error("the archive has {entries} entries, more than the limit of {max} for a release")]
    TooManyEntries { entries: u64, max: usize },
    /// The named entry is absolute, has a `..` component or a NUL, or is a symlink.
    #[error(
        "archive entry {0:?} escapes the package folder (absolute or \"..\" paths, \
         NUL bytes and symlinks are refused)"
    )]
    UnsafePath(String),
    /// The declared sizes would expand far beyond what a package needs.
    #[error("the archive looks like a zip bomb: {0}")]
    ZipBomb(String),
    /// The same entry name appears more than once in the central directory.
    #[error(
        "the archive lists the same entry name more than once, so tools would disagree \
         about which one to use"
    )]
    DuplicateEntries,
    /// The named entry is password-protected.
    #[error(
        "archive entry {0:?} is encrypted, and Composer cannot install \
         password-protected archives"
    )]
    Encrypted(String),
    /// No composer.json where Composer looks for it.
    #[error("no composer.json at the archive root or inside its single top-level folder")]
    MissingComposerJson,
    /// composer.json is larger than [`super::COMPOSER_JSON_MAX_BYTES`].
    #[error("composer.json is larger than the {max}-byte limit")]
    ComposerJsonTooLarge { max: u64 },
    /// The named entry's data could not be decompressed.
    #[error("archive entry {name:?} could not be decompressed: {reason}")]
    UnreadableEntry { name: String, reason: String },
    /// The named entry inflates to more bytes than the archive declares for it.
    #[error(
        "archive entry {name:?} inflates to more than the {declared} bytes the archive \
         declares for it"
    )]
    LargerThanDeclared { name: String, declared: u64 },
    /// The named entry's content does not match the CRC-32 the archive records for it.
    #[error("archive entry {0:?} is corrupt: its content does not match its CRC-32 checksum")]
    ChecksumMismatch(String),
    /// The central directory points to no local file header for the named entry.
    #[error("archive entry {0:?} has no local file header where the central directory says")]
    MissingLocalHeader(String),
    /// An entry's local file header names it differently from the central directory.
    #[error(
        "archive entry {central:?} is named {local:?} in its local file header, \
         so tools would disagree about where it goes"
    )]
    NameMismatch { central: String, local: String },
    /// composer.json is not valid JSON (the reason comes from the parser).
    #[error("composer.json is not valid JSON: {0}")]
    InvalidComposerJson(String),
    /// composer.json is valid JSON but not an object.
    #[error("composer.json must be a JSON object")]
    ComposerJsonNotObject,
}
