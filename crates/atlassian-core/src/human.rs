//! Figures as a person reads them in logs and summaries.

use std::time::Duration;

/// A duration in the unit a person expects: `0 s`, `180 ms`, `2.4 s`, `3 min 05 s`,
/// `1 h 02 min`.
pub fn duration(d: Duration) -> String {
    let ms = d.as_millis();
    match ms {
        0 => "0 s".to_owned(),
        1..=999 => format!("{ms} ms"),
        1_000..=59_999 => format!("{:.1} s", d.as_secs_f64()),
        60_000..=3_599_999 => format!("{} min {:02} s", ms / 60_000, ms / 1_000 % 60),
        _ => format!("{} h {:02} min", ms / 3_600_000, ms / 60_000 % 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_a_person_says_them() {
        let cases = [
            (Duration::ZERO, "0 s"),
            (Duration::from_nanos(3), "0 s"),
            (Duration::from_micros(191_760), "191 ms"),
            (Duration::from_millis(2_440), "2.4 s"),
            (Duration::from_secs(185), "3 min 05 s"),
            (Duration::from_secs(3_720), "1 h 02 min"),
        ];
        for (d, text) in cases {
            assert_eq!(duration(d), text, "{d:?}");
        }
    }
}
