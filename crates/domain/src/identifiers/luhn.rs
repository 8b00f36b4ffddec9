//! The Luhn (mod 10) check used by SA ID numbers and tax references.

/// Whether `digits` (check digit last) pass: from the right, every second digit is doubled
/// (minus 9 when above 9); the sum must be a multiple of 10.
pub fn is_valid(digits: &[u8]) -> bool {
    !digits.is_empty() && sum(digits, false).is_multiple_of(10)
}

/// The check digit that makes `payload` (without it) pass.
pub fn check_digit(payload: &[u8]) -> u8 {
    let s = sum(payload, true);
    ((10 - s % 10) % 10) as u8
}

/// The Luhn sum; `payload` says the check digit is not there yet (so the doubling starts at
/// the rightmost digit).
fn sum(digits: &[u8], payload: bool) -> u32 {
    digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if (i % 2 == 1) != payload {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ds(s: &str) -> Vec<u8> {
        s.bytes().map(|b| b - b'0').collect()
    }

    #[test]
    fn the_worked_example_of_facts_md() {
        // 8001015009087: odd positions sum 13, doubled even positions 20, so Z = 7.
        assert_eq!(check_digit(&ds("800101500908")), 7);
        assert!(is_valid(&ds("8001015009087")));
        assert!(!is_valid(&ds("8001015009088")));
    }

    proptest! {
        /// Any 12 digits plus the computed check digit pass; any other last digit fails.
        #[test]
        fn the_computed_digit_passes_and_no_other(payload in proptest::collection::vec(0u8..10, 12), other in 0u8..10) {
            let z = check_digit(&payload);
            let mut full = payload.clone();
            full.push(z);
            prop_assert!(is_valid(&full));
            if other != z {
                let mut wrong = payload;
                wrong.push(other);
                prop_assert!(!is_valid(&wrong));
            }
        }
    }
}
