//! The shipped systemd unit, checked by systemd itself, and its sandbox exposure score.

use crate::common::BIN;
use std::process::Command;

/// `systemd-analyze` ships with systemd; machines without it skip, unless CI insists.
fn systemd_analyze_available() -> bool {
    let available = Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !available && std::env::var("PACKAGENTO_REQUIRE_SYSTEMD_ANALYZE").as_deref() == Ok("1") {
        panic!("PACKAGENTO_REQUIRE_SYSTEMD_ANALYZE=1 but systemd-analyze does not run");
    }
    available
}

/// The unit names /usr/bin/packagento, which verify insists exists; point it at the test build.
fn unit_for_this_build(dir: &std::path::Path) -> std::path::PathBuf {
    let unit = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("packaging/packagento.service"),
    )
    .unwrap();
    let path = dir.join("packagento.service");
    std::fs::write(&path, unit.replace("/usr/bin/packagento", BIN)).unwrap();
    path
}

#[test]
fn the_systemd_unit_passes_systemd_analyze_verify_and_is_well_sandboxed() {
    if !systemd_analyze_available() {
        eprintln!("note: systemd-analyze is not installed; skipping the unit check");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let unit = unit_for_this_build(dir.path());
    let verify = Command::new("systemd-analyze")
        .args(["verify"])
        .arg(&unit)
        .output()
        .unwrap();
    let complaints = String::from_utf8_lossy(&verify.stderr);
    assert!(
        verify.status.success() && complaints.trim().is_empty(),
        "{complaints}"
    );

    let security = Command::new("systemd-analyze")
        .args(["security", "--offline=true", "--threshold=20"])
        .arg(&unit)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&security.stdout);
    assert!(
        security.status.success(),
        "exposure above 2.0 (threshold 20 in tenths):\n{report}"
    );
}
