//! A local git repository, read through the `git` binary. Arguments go straight to the process,
//! never through a shell, so ref names cannot inject anything; refs are always spelled in full
//! (`refs/tags/v1.0.0`) so a branch and a tag of the same name cannot be confused.

use super::CliError;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub struct Repo {
    path: PathBuf,
    /// Where the refs live (for a linked worktree, the main repository's git folder).
    common_dir: PathBuf,
}

/// An archive in the temporary folder (private to this user), deleted when dropped.
pub struct TempArchive {
    file: tempfile::NamedTempFile,
}

impl TempArchive {
    pub fn path(&self) -> &Path {
        self.file.path()
    }
}

impl Repo {
    /// Opens `path` if it is the top folder of a git repository (or a bare repository); a folder
    /// merely inside one is refused, since importing its parent's tags would surprise.
    pub fn open(path: &Path) -> Result<Repo, CliError> {
        let path = std::fs::canonicalize(path)
            .map_err(|e| CliError::msg(format!("{}: {e}", path.display())))?;
        if !path.is_dir() {
            return Err(CliError::msg(format!("{} is not a folder", path.display())));
        }
        let not_a_repo = || {
            CliError::msg(format!(
                "{} is not a git repository (expected the folder holding .git, or a bare repository)",
                path.display()
            ))
        };
        let probe = Repo {
            path: path.clone(),
            common_dir: PathBuf::new(),
        };
        let answer = probe
            .text(&[
                "rev-parse",
                "--path-format=absolute",
                "--is-bare-repository",
                "--git-common-dir",
                "--show-prefix",
            ])
            .map_err(|e| match e {
                GitError::Failed(_) => not_a_repo(),
                GitError::Spawn(message) => CliError::msg(message),
            })?;
        let mut lines = answer.lines();
        let bare = lines.next() == Some("true");
        let common_dir = PathBuf::from(lines.next().unwrap_or_default());
        let prefix = lines.next().unwrap_or_default();
        let at_top = if bare {
            std::fs::canonicalize(&common_dir).is_ok_and(|dir| dir == path)
        } else {
            prefix.is_empty()
        };
        if !at_top || common_dir.as_os_str().is_empty() {
            return Err(not_a_repo());
        }
        Ok(Repo { path, common_dir })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What changes when a ref is created, moved or deleted: the loose refs' folder and the
    /// packed-refs file (`git gc` and `git pack-refs` move refs there).
    pub fn ref_locations(&self) -> (PathBuf, PathBuf) {
        (
            self.common_dir.join("refs"),
            self.common_dir.join("packed-refs"),
        )
    }

    /// Full ref names under `prefix` (`refs/tags/`, `refs/heads/`), sorted.
    pub fn refs(&self, prefix: &str) -> Result<Vec<String>, CliError> {
        let listing = self.text(&["for-each-ref", "--format=%(refname)", prefix])?;
        Ok(listing.lines().map(str::to_string).collect())
    }

    /// The committer time of the commit `refname` points to, in RFC 3339.
    pub fn commit_time(&self, refname: &str) -> Result<String, CliError> {
        let time = self.text(&["log", "-1", "--format=%cI", refname, "--"])?;
        Ok(time.trim().to_string())
    }

    /// A file of the tree at `refname`, or `None` when the tree has no such file.
    pub fn file(&self, refname: &str, file: &str) -> Result<Option<Vec<u8>>, CliError> {
        let object = format!("{refname}:{file}");
        match self.output(&["cat-file", "blob", &object]) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(GitError::Failed(_)) => Ok(None),
            Err(error) => Err(error.into()),
        }
    }

    /// `git archive --format=zip` of `refname`, honouring the repository's `export-ignore`.
    /// Written straight into the file: a release may be far larger than is worth holding in memory.
    pub fn archive(&self, refname: &str) -> Result<TempArchive, CliError> {
        let file = tempfile::Builder::new()
            .prefix("packagento-git-")
            .suffix(".zip")
            .tempfile()
            .map_err(|e| CliError::msg(format!("cannot create a temporary file: {e}")))?;
        let sink = file
            .as_file()
            .try_clone()
            .map_err(|e| CliError::msg(format!("cannot write a temporary file: {e}")))?;
        self.run(&["archive", "--format=zip", refname], Stdio::from(sink))?;
        Ok(TempArchive { file })
    }

    fn text(&self, args: &[&str]) -> Result<String, GitError> {
        let bytes = self.output(args)?;
        String::from_utf8(bytes).map_err(|_| GitError::Failed("git printed non-UTF-8 text".into()))
    }

    fn output(&self, args: &[&str]) -> Result<Vec<u8>, GitError> {
        self.run(args, Stdio::piped())
    }

    /// Runs git with its standard output going to `stdout`; returns what was captured (nothing
    /// unless `stdout` is a pipe).
    fn run(&self, args: &[&str], stdout: Stdio) -> Result<Vec<u8>, GitError> {
        let output = Command::new("git")
            .arg("-C")
            .arg(&self.path)
            .args(args)
            // The repository is the one named, whatever the caller's environment points at.
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .env_remove("GIT_COMMON_DIR")
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(Stdio::piped())
            .spawn()
            .and_then(|child| child.wait_with_output())
            .map_err(|e| GitError::Spawn(format!("cannot run git (is it installed?): {e}")))?;
        if output.status.success() {
            return Ok(output.stdout);
        }
        let stderr = String::from_utf8_lossy(&output.stderr);
        Err(GitError::Failed(format!(
            "git {} failed: {}",
            args.first().unwrap_or(&""),
            stderr.trim()
        )))
    }
}

enum GitError {
    Spawn(String),
    Failed(String),
}

impl From<GitError> for CliError {
    fn from(error: GitError) -> Self {
        match error {
            GitError::Spawn(message) | GitError::Failed(message) => CliError::msg(message),
        }
    }
}
