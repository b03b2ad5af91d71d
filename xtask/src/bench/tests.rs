use super::*;

#[test]
fn counters_are_read_from_what_dc_sim_prints() {
    let text = "\n12 requests\n       10  200  GET /rest/api/2/user/search\n        1  200  GET /rest/api/2/myself\n        1  404  GET /rest/api/2/user\n";
    let lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let counters = parse_counters(&lines).unwrap();
    assert_eq!(
        counters[&("GET /rest/api/2/user/search".to_owned(), 200)],
        10
    );
    assert_eq!(counters[&("GET /rest/api/2/user".to_owned(), 404)], 1);
    assert_eq!(counters.values().sum::<u64>(), 12);
    let short: Vec<String> = text.lines().take(3).map(str::to_owned).collect();
    assert!(parse_counters(&short).is_err(), "a total not matched");
}

#[test]
fn thousands_are_separated() {
    assert_eq!(thousands(0), "0");
    assert_eq!(thousands(999), "999");
    assert_eq!(thousands(1_000), "1,000");
    assert_eq!(thousands(5_012), "5,012");
    assert_eq!(thousands(2_088_905), "2,088,905");
}

#[test]
#[allow(clippy::zombie_processes, reason = "reaped by sys::wait4")]
fn a_child_is_reaped_with_its_peak_memory() {
    let child = Command::new("sh").args(["-c", "exit 3"]).spawn().unwrap();
    let exit = sys::wait4(child.id()).unwrap();
    assert_eq!(exit.status.code(), Some(3));
    assert!(exit.peak_rss > 0);
}
