//! Protocol and port facts: protocol normalisation, which ports of interest
//! a security group rule's range covers, whether it covers every port, and
//! whether it covers a port that is in no port-list parameter.

/// Normalises an IP protocol (`-1`, names or numbers) to `all`, `tcp`, `udp`,
/// `icmp`, `icmpv6`, or the number as written.
pub fn normalise_protocol(p: &str) -> String {
    match p.trim().to_ascii_lowercase().as_str() {
        "-1" | "all" => "all".into(),
        "6" | "tcp" => "tcp".into(),
        "17" | "udp" => "udp".into(),
        "1" | "icmp" => "icmp".into(),
        "58" | "icmpv6" => "icmpv6".into(),
        other => other.to_owned(),
    }
}

/// The `ports_of_interest` a rule of (normalised) `protocol` over
/// `from..=to` covers: all of them for `all`, those in range for tcp/udp
/// (a negative bound means every port), none for other protocols.
pub fn ports_in(ports_of_interest: &[i64], protocol: &str, from: i64, to: i64) -> Vec<i64> {
    match protocol {
        "all" => ports_of_interest.to_vec(),
        "tcp" | "udp" => {
            let (lo, hi) = if from < 0 || to < 0 {
                (0, MAX_PORT)
            } else {
                (from, to)
            };
            ports_of_interest
                .iter()
                .copied()
                .filter(|p| *p >= lo && *p <= hi)
                .collect()
        }
        _ => Vec::new(),
    }
}

/// The highest TCP/UDP port.
pub const MAX_PORT: i64 = 65_535;

/// True when a tcp/udp range `from..=to` covers every usable port: a
/// negative (unset) bound means all, and port 0 is reserved (no service
/// listens on it), so `1-65535` opens as much as `0-65535`.
pub fn range_is_all_ports(from: i64, to: i64) -> bool {
    from < 0 || to < 0 || (from <= 1 && to >= MAX_PORT)
}

/// True when a security group rule covers every port of its protocol:
/// protocol `all`, or tcp/udp over [`range_is_all_ports`].
pub fn sg_all_ports(protocol: &str, from: i64, to: i64) -> bool {
    protocol == "all" || ((protocol == "tcp" || protocol == "udp") && range_is_all_ports(from, to))
}

/// True when a rule of (normalised) `protocol` over `from..=to` opens a
/// port that is not in `ports_of_interest` (sorted, deduplicated): always
/// for `all`; for tcp/udp when the range (ports 1-65535 for an unset bound;
/// port 0 is reserved) holds more ports than the ports of interest in it;
/// never for protocols without ports. Every port-list parameter is a subset
/// of the ports of interest, so with `covered_ports` this tells whether a
/// range lies entirely inside a parameter such as `authorized_ports`.
pub fn covers_unlisted_ports(
    ports_of_interest: &[i64],
    protocol: &str,
    from: i64,
    to: i64,
) -> bool {
    match protocol {
        "all" => true,
        "tcp" | "udp" => {
            let (lo, hi) = if from < 0 || to < 0 {
                (1, MAX_PORT)
            } else {
                (from.max(1), to.min(MAX_PORT))
            };
            if lo > hi {
                return false;
            }
            let listed = ports_of_interest
                .iter()
                .filter(|p| (lo..=hi).contains(*p))
                .count();
            i64::try_from(listed).map_or(true, |n| n < hi - lo + 1)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocols() {
        assert_eq!(normalise_protocol("-1"), "all");
        assert_eq!(normalise_protocol("6"), "tcp");
        assert_eq!(normalise_protocol("UDP"), "udp");
        assert_eq!(normalise_protocol("50"), "50");
    }

    #[test]
    fn covered_ports() {
        let ports = [22, 443, 3389];
        assert_eq!(ports_in(&ports, "all", -1, -1), vec![22, 443, 3389]);
        assert_eq!(ports_in(&ports, "tcp", 0, 1024), vec![22, 443]);
        assert_eq!(ports_in(&ports, "udp", -1, -1), vec![22, 443, 3389]);
        assert_eq!(ports_in(&ports, "tcp", 3389, 3389), vec![3389]);
        assert!(ports_in(&ports, "icmp", -1, -1).is_empty());
    }

    #[test]
    fn unlisted_ports() {
        let ports = [22, 80, 81, 443];
        assert!(!covers_unlisted_ports(&ports, "tcp", 80, 80));
        assert!(!covers_unlisted_ports(&ports, "tcp", 80, 81));
        assert!(!covers_unlisted_ports(&ports, "udp", 443, 443));
        assert!(covers_unlisted_ports(&ports, "tcp", 80, 443));
        assert!(covers_unlisted_ports(&ports, "tcp", 8443, 8443));
        assert!(covers_unlisted_ports(&ports, "tcp", -1, -1));
        assert!(covers_unlisted_ports(&ports, "all", 80, 80));
        assert!(!covers_unlisted_ports(&ports, "icmp", -1, -1));
        assert!(!covers_unlisted_ports(&ports, "tcp", 0, 0));
        assert!(!covers_unlisted_ports(&[], "50", -1, -1));
    }

    #[test]
    fn all_ports() {
        assert!(sg_all_ports("all", 80, 80));
        assert!(sg_all_ports("tcp", 0, 65_535));
        assert!(sg_all_ports("tcp", -1, -1));
        assert!(sg_all_ports("tcp", 1, 65_535));
        assert!(sg_all_ports("udp", 1, 65_535));
        assert!(!sg_all_ports("tcp", 2, 65_535));
        assert!(!sg_all_ports("tcp", 1, 65_534));
        assert!(!sg_all_ports("tcp", 0, 1024));
        assert!(!sg_all_ports("tcp", 22, 65_535));
        assert!(!sg_all_ports("icmp", -1, -1));
    }
}
