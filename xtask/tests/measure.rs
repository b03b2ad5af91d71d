//! `xtask measure`, which `cargo xtask bench` starts its scanner through: the peak RSS it reports
//! is the measured program's own, not that of whoever started the measurement.

use std::process::Command;

#[test]
fn the_peak_rss_is_the_programs_own_not_the_starters() {
    // This process grows well past what `sh` needs: a child spawned from it directly would start
    // its `ru_maxrss` at this size.
    let ballast = vec![1u8; 160 << 20];
    std::hint::black_box(&ballast);
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.txt");
    let status = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("measure")
        .arg("--report")
        .arg(&report)
        .args(["--", "sh", "-c", "exit 3"])
        .status()
        .unwrap();
    assert!(status.success());
    let measured = xtask::bench::Measured::read_file(&report).unwrap();
    assert_eq!(measured.status.code(), Some(3));
    assert!(measured.peak_rss > 0);
    assert!(
        measured.peak_rss < 100 << 20,
        "sh's own peak, not this test's: {} bytes",
        measured.peak_rss
    );
    assert!(measured.floor < 100 << 20, "{} bytes", measured.floor);
    drop(ballast);
}
