//! Every file ecs-ship reads (config, task definitions, overrides, templates) is read through
//! here, with a size cap: a wrong path such as `/dev/zero` fails at once instead of growing
//! memory without end.

use std::io::Read;
use std::path::Path;

/// ECS takes task definitions up to 64 KiB; nothing ecs-ship reads needs more than this.
pub const MAX_BYTES: u64 = 4 * 1024 * 1024;

/// The file's text, or an error when it is missing, not UTF-8, or over [`MAX_BYTES`].
pub fn to_string(path: impl AsRef<Path>) -> std::io::Result<String> {
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    file.take(MAX_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(std::io::Error::other(format!(
            "it is larger than {} MiB, more than any file ecs-ship reads may be",
            MAX_BYTES / 1024 / 1024
        )));
    }
    String::from_utf8(bytes)
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "it is not UTF-8 text"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endless_files_are_refused_after_the_cap() {
        let error = to_string("/dev/zero").unwrap_err();
        assert!(error.to_string().contains("larger than 4 MiB"), "{error}");
    }

    #[test]
    fn small_files_are_read_and_missing_ones_fail() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        std::fs::write(&path, "{}").unwrap();
        assert_eq!(to_string(&path).unwrap(), "{}");
        assert!(to_string(dir.path().join("missing")).is_err());
        std::fs::write(&path, [0xff, 0xfe]).unwrap();
        assert!(to_string(&path).unwrap_err().to_string().contains("UTF-8"));
    }
}
