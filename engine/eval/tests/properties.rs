//! Property tests of the facts layer against small reference
//! implementations written here: IAM wildcard matching and pattern
//! containment, CIDR containment (IPv4 and IPv6, on integers), network ACL
//! rule order, and AWS Backup schedule expressions.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use palisade_eval::facts::cidr::Cidr;
use palisade_eval::facts::nacl::{reachable_ports, sort_in_rule_order, Entry};
use palisade_eval::facts::schedule::{worst_gap_minutes, Schedule};
use palisade_eval::facts::wildcard::{pattern_covers, wildcard_match};
use palisade_model::ec2::{NetworkAclEntry, PortRange};
use proptest::prelude::*;

// ---------------------------------------------------------------- wildcards

/// Reference matcher: dynamic programming over (pattern, text) prefixes.
/// `*` is any run, `?` any one character, anything else one character equal
/// up to ASCII case (IAM action names are case-insensitive).
fn reference_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // m[i][j]: p[..i] matches t[..j].
    let mut m = vec![vec![false; t.len() + 1]; p.len() + 1];
    m[0][0] = true;
    for i in 1..=p.len() {
        for j in 0..=t.len() {
            m[i][j] = match p[i - 1] {
                '*' => m[i - 1][j] || (j > 0 && m[i][j - 1]),
                '?' => j > 0 && m[i - 1][j - 1],
                c => j > 0 && m[i - 1][j - 1] && c.eq_ignore_ascii_case(&t[j - 1]),
            };
        }
    }
    m[p.len()][t.len()]
}

/// Short strings over an alphabet with both cases, non-ASCII letters
/// (one with a Unicode but no ASCII lower case), separators and wildcards.
fn pattern() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec!['a', 'A', 'b', 'B', ':', '/', '*', '?', 'é', 'É']),
        0..10,
    )
    .prop_map(|v| v.into_iter().collect())
}

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec!['a', 'A', 'b', 'B', ':', '/', 'é', 'É', '*', '?']),
        0..12,
    )
    .prop_map(|v| v.into_iter().collect())
}

/// A text `pattern` matches: each `*` replaced by `fill` (cycled), each
/// `?` by one character of it, each literal kept or its ASCII case flipped.
fn instance(pattern: &str, fill: &[String], flip: &[bool]) -> String {
    let mut out = String::new();
    for (k, c) in pattern.chars().enumerate() {
        let f = &fill[k % fill.len()];
        match c {
            '*' => out.push_str(f),
            '?' => out.push(f.chars().next().unwrap_or('x')),
            c if flip[k % flip.len()] => out.push(if c.is_ascii_lowercase() {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            }),
            c => out.push(c),
        }
    }
    out
}

proptest! {
    #[test]
    fn wildcard_match_agrees_with_the_reference(p in pattern(), t in text()) {
        prop_assert_eq!(wildcard_match(&p, &t), reference_match(&p, &t), "{:?} vs {:?}", p, t);
    }

    #[test]
    fn a_pattern_matches_its_instances(
        p in pattern(),
        fill in prop::collection::vec(text(), 1..4),
        flip in prop::collection::vec(any::<bool>(), 1..4),
    ) {
        let t = instance(&p, &fill, &flip);
        prop_assert!(wildcard_match(&p, &t), "{:?} should match {:?}", p, t);
    }

    /// Containment is sound: when `outer` covers `inner`, every text
    /// `inner` matches is matched by `outer`.
    #[test]
    fn pattern_covers_is_sound(
        outer in pattern(),
        inner in pattern(),
        fill in prop::collection::vec(text(), 1..4),
        flip in prop::collection::vec(any::<bool>(), 1..4),
    ) {
        let t = instance(&inner, &fill, &flip);
        if pattern_covers(&outer, &inner) && wildcard_match(&inner, &t) {
            prop_assert!(
                wildcard_match(&outer, &t),
                "{:?} covers {:?} but not its instance {:?}", outer, inner, t
            );
        }
    }

    #[test]
    fn every_pattern_covers_itself_and_star_covers_all(p in pattern()) {
        prop_assert!(pattern_covers(&p, &p));
        prop_assert!(pattern_covers("*", &p));
    }
}

/// Shrunk case of `pattern_covers_is_sound`: containment lower-cased with
/// Unicode rules while matching folds ASCII case only, so `É` "covered" `é`
/// though `É` does not match the text `é`.
#[test]
fn containment_folds_case_as_matching_does() {
    assert!(!wildcard_match("É", "é"));
    assert!(!pattern_covers("É", "é"));
    assert!(!pattern_covers("é", "É"));
    assert!(!pattern_covers("é*", "É"));
    assert!(pattern_covers("IAM:*", "iam:Pass?"));
}

// -------------------------------------------------------------------- CIDRs

/// A block as text and its reference range on integers.
#[derive(Debug, Clone)]
struct Block {
    text: String,
    v6: bool,
    lo: u128,
    hi: u128,
}

fn v4_block() -> impl Strategy<Value = Block> {
    (any::<u32>(), 0u8..=32).prop_map(|(addr, prefix)| {
        let host = 32 - u32::from(prefix);
        let mask: u32 = if host == 32 { 0 } else { !((1u32 << host) - 1) };
        let lo = addr & mask;
        let hi = lo | !mask;
        Block {
            text: format!("{}/{prefix}", std::net::Ipv4Addr::from(addr)),
            v6: false,
            lo: u128::from(lo),
            hi: u128::from(hi),
        }
    })
}

fn v6_block() -> impl Strategy<Value = Block> {
    (any::<u128>(), 0u8..=128).prop_map(|(addr, prefix)| {
        let host = 128 - u32::from(prefix);
        let mask: u128 = if host == 128 {
            0
        } else {
            !((1u128 << host) - 1)
        };
        let lo = addr & mask;
        Block {
            text: format!("{}/{prefix}", std::net::Ipv6Addr::from(addr)),
            v6: true,
            lo,
            hi: lo | !mask,
        }
    })
}

/// Blocks of both families, often nested or overlapping (a second block
/// derived from the first's address).
fn block_pair() -> impl Strategy<Value = (Block, Block)> {
    let any_block = prop_oneof![v4_block(), v6_block()];
    let related = (
        prop_oneof![v4_block(), v6_block()],
        0u8..=128,
        any::<u128>(),
    )
        .prop_map(|(a, prefix, noise)| {
            let bits: u8 = if a.v6 { 128 } else { 32 };
            let prefix = prefix % (bits + 1);
            let host = u32::from(bits - prefix);
            let addr = if host == 0 {
                a.lo
            } else {
                a.lo | (noise & ((1u128 << host.min(127)) - 1))
            };
            let width: u128 = if a.v6 {
                u128::MAX
            } else {
                u128::from(u32::MAX)
            };
            let mask = if host >= 128 {
                0
            } else {
                !((1u128 << host) - 1)
            } & width;
            let lo = addr & mask;
            let b = Block {
                text: if a.v6 {
                    format!("{}/{prefix}", std::net::Ipv6Addr::from(addr))
                } else {
                    format!("{}/{prefix}", std::net::Ipv4Addr::from(addr as u32))
                },
                v6: a.v6,
                lo,
                hi: lo | (!mask & width),
            };
            (a, b)
        });
    prop_oneof![(any_block.clone(), any_block), related]
}

proptest! {
    #[test]
    fn cidr_ranges_and_containment_match_integer_arithmetic((a, b) in block_pair()) {
        let ca = Cidr::parse(&a.text).expect("valid block");
        let cb = Cidr::parse(&b.text).expect("valid block");
        prop_assert_eq!(ca.range(), (a.lo, a.hi), "{}", a.text);
        prop_assert_eq!(ca.is_v6(), a.v6);
        let contains = a.v6 == b.v6 && a.lo <= b.lo && b.hi <= a.hi;
        prop_assert_eq!(ca.contains(&cb), contains, "{} contains {}", a.text, b.text);
        // Overlap, as the address sets see it.
        let overlap = a.v6 == b.v6 && a.lo <= b.hi && b.lo <= a.hi;
        let sa = palisade_eval::facts::addrset::AddrSet::of_cidr(&ca);
        let sb = palisade_eval::facts::addrset::AddrSet::of_cidr(&cb);
        prop_assert_eq!(!sa.intersect(&sb).is_empty(), overlap);
        // Containment is the subset relation.
        prop_assert_eq!(sb.subtract(&sa).is_empty(), contains);
    }

    #[test]
    fn cidr_parse_never_panics(text in "[0-9a-fA-F:./]{0,45}") {
        if let Some(c) = Cidr::parse(&text) {
            let (lo, hi) = c.range();
            prop_assert!(lo <= hi);
            prop_assert!(c.contains(&c));
        }
    }
}

// ------------------------------------------------------------ NACL order

/// The addresses that tell apart every block used below: all of
/// 10.0.0.0/24, and one address outside it.
fn probe_addresses() -> Vec<u128> {
    let base = u128::from(u32::from(std::net::Ipv4Addr::new(10, 0, 0, 0)));
    let mut v: Vec<u128> = (0..256).map(|i| base + i).collect();
    v.push(u128::from(u32::from(std::net::Ipv4Addr::new(11, 0, 0, 1))));
    v
}

#[derive(Debug, Clone)]
struct RawEntry {
    number: i64,
    allow: bool,
    /// "-1", "6", "17" or "1".
    protocol: &'static str,
    ports: Option<(i64, i64)>,
    cidr: String,
    egress: bool,
}

fn raw_entry() -> impl Strategy<Value = RawEntry> {
    let cidr = prop_oneof![
        1 => Just("0.0.0.0/0".to_owned()),
        4 => (0u32..256, 24u8..=32).prop_map(|(host, prefix)| format!("10.0.0.{host}/{prefix}")),
    ];
    let ports = prop_oneof![
        1 => Just(None),
        3 => (0i64..40, 0i64..40).prop_map(|(a, b)| Some((a.min(b), a.max(b)))),
    ];
    (
        1i64..200,
        any::<bool>(),
        prop::sample::select(vec!["-1", "6", "17", "1"]),
        ports,
        cidr,
        prop::bool::weighted(0.2),
    )
        .prop_map(|(number, allow, protocol, ports, cidr, egress)| RawEntry {
            number,
            allow,
            protocol,
            ports,
            cidr,
            egress,
        })
}

/// A NACL: entries with distinct rule numbers per direction (AWS requires
/// it), plus AWS's default `*` rule (32767, deny all) in each direction.
fn nacl() -> impl Strategy<Value = Vec<NetworkAclEntry>> {
    prop::collection::vec(raw_entry(), 0..8).prop_map(|raw| {
        let mut seen = std::collections::HashSet::new();
        let mut out: Vec<NetworkAclEntry> = raw
            .into_iter()
            .filter(|r| seen.insert((r.egress, r.number)))
            .map(|r| NetworkAclEntry {
                rule_number: r.number,
                protocol: r.protocol.into(),
                rule_action: if r.allow { "allow" } else { "deny" }.into(),
                egress: r.egress,
                cidr_block: Some(r.cidr),
                ipv6_cidr_block: None,
                port_range: r.ports.map(|(from, to)| PortRange { from, to }),
            })
            .collect();
        for egress in [false, true] {
            out.push(NetworkAclEntry {
                rule_number: 32767,
                protocol: "-1".into(),
                rule_action: "deny".into(),
                egress,
                cidr_block: Some("0.0.0.0/0".into()),
                ipv6_cidr_block: None,
                port_range: None,
            });
        }
        out
    })
}

/// Reference evaluator: the first entry (lowest rule number) of the
/// direction matching protocol, port and address decides; no match is a
/// deny. Returns the index (into `raw`) of the deciding entry.
fn first_match(
    raw: &[NetworkAclEntry],
    egress: bool,
    proto: &str,
    port: i64,
    addr: u128,
) -> Option<usize> {
    let mut order: Vec<usize> = (0..raw.len())
        .filter(|i| raw[*i].egress == egress)
        .collect();
    order.sort_by_key(|i| raw[*i].rule_number);
    order.into_iter().find(|i| {
        let e = &raw[*i];
        let proto_ok = match e.protocol.as_str() {
            "-1" => true,
            "6" => proto == "tcp",
            "17" => proto == "udp",
            _ => false,
        };
        let port_ok =
            e.protocol == "-1" || e.port_range.is_none_or(|r| port >= r.from && port <= r.to);
        let (lo, hi) = Cidr::parse(e.cidr_block.as_deref().unwrap())
            .unwrap()
            .range();
        proto_ok && port_ok && lo <= addr && addr <= hi
    })
}

const PORTS: &[i64] = &[0, 5, 22, 39];

proptest! {
    /// Sorting gives AWS's evaluation order, whatever order the entries
    /// were listed in.
    #[test]
    fn rule_order_is_direction_then_rule_number(raw in nacl(), seed in any::<u64>()) {
        let mut shuffled = raw.clone();
        let mut rng = seed;
        for i in (1..shuffled.len()).rev() {
            rng = rng.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (rng >> 33) as usize % (i + 1));
        }
        let reach = |list: &[NetworkAclEntry]| {
            let mut entries: Vec<Entry<'_>> = list.iter().map(|e| Entry::read(e).unwrap()).collect();
            sort_in_rule_order(&mut entries);
            let keys: Vec<(bool, i64)> = entries.iter().map(|e| (e.entry.egress, e.entry.rule_number)).collect();
            let mut sorted = keys.clone();
            sorted.sort();
            assert_eq!(keys, sorted);
            let mut out: Vec<((bool, i64), Vec<i64>)> = (0..entries.len())
                .map(|i| (keys[i], reachable_ports(&entries, i, PORTS)))
                .collect();
            out.sort();
            out
        };
        prop_assert_eq!(reach(&raw), reach(&shuffled));
    }

    /// `reachable_ports` against the reference: a port an allow entry is
    /// the first match for (for some protocol and source address) is always
    /// reported (never a missed exposure); a deny entry opens nothing; and
    /// when no earlier entry of the direction overlaps the entry's range
    /// partially, the answer is exact.
    #[test]
    fn reachable_ports_agree_with_first_match(raw in nacl()) {
        let mut entries: Vec<Entry<'_>> = raw.iter().map(|e| Entry::read(e).unwrap()).collect();
        sort_in_rule_order(&mut entries);
        let probes = probe_addresses();
        for (idx, e) in entries.iter().enumerate() {
            let got = reachable_ports(&entries, idx, PORTS);
            let raw_idx = raw.iter().position(|r| std::ptr::eq(r, e.entry)).unwrap();
            let (lo, hi) = e.cidr.unwrap().range();
            let partial = entries[..idx].iter().any(|l| {
                let (llo, lhi) = l.cidr.unwrap().range();
                l.entry.egress == e.entry.egress && llo <= hi && lo <= lhi && !(llo <= lo && hi <= lhi)
            });
            for &port in PORTS {
                let first = ["tcp", "udp"].iter().any(|proto| {
                    probes.iter().filter(|a| lo <= **a && **a <= hi).any(|a| {
                        first_match(&raw, e.entry.egress, proto, port, *a) == Some(raw_idx)
                    })
                });
                let expected = first && e.entry.rule_action == "allow";
                let reported = got.contains(&port);
                if e.entry.rule_action != "allow" {
                    prop_assert!(!reported, "a deny entry opens nothing");
                }
                if expected {
                    prop_assert!(reported, "entry {} misses port {}: {:?}", e.entry.rule_number, port, raw);
                }
                if !partial {
                    prop_assert_eq!(reported, expected, "entry {} port {}: {:?}", e.entry.rule_number, port, raw);
                }
            }
        }
    }
}

// -------------------------------------------------------------- schedules

/// One cron field item over `min..=max` and the values it stands for
/// (`a`, `a-b` wrapping when `b < a`, `a/s`, `*/s`, `a-b/s`).
fn field_item(min: u32, max: u32) -> impl Strategy<Value = (String, Vec<u32>)> {
    let span = max - min + 1;
    (0..5u8, min..=max, min..=max, 1..=span).prop_map(move |(kind, a, b, step)| {
        let walk = |from: u32, to: u32, step: u32| -> Vec<u32> {
            // From `from` to `to` (wrapping past `max`), every `step`.
            let len = if to >= from {
                to - from
            } else {
                to + span - from
            };
            (0..=len)
                .step_by(step as usize)
                .map(|k| min + (from - min + k) % span)
                .collect()
        };
        match kind {
            0 => (a.to_string(), vec![a]),
            1 => (format!("{a}-{b}"), walk(a, b, 1)),
            2 => (format!("{a}/{step}"), walk(a, max, step)),
            3 => (format!("*/{step}"), walk(min, max, step)),
            _ => (format!("{a}-{b}/{step}"), walk(a, b, step)),
        }
    })
}

/// A field: a comma-separated list of items, or `*`.
fn field(min: u32, max: u32) -> impl Strategy<Value = (String, Vec<u32>)> {
    prop_oneof![
        1 => Just(("*".to_owned(), (min..=max).collect())),
        4 => prop::collection::vec(field_item(min, max), 1..4).prop_map(|items| {
            let text = items.iter().map(|(t, _)| t.as_str()).collect::<Vec<_>>().join(",");
            let mut values: Vec<u32> = items.into_iter().flat_map(|(_, v)| v).collect();
            values.sort_unstable();
            values.dedup();
            (text, values)
        }),
    ]
}

/// Worst gap of a schedule that runs every day at the given minutes.
fn daily_gap(minutes: &[u32], hours: &[u32]) -> i64 {
    let mut runs: Vec<i64> = hours
        .iter()
        .flat_map(|h| {
            minutes
                .iter()
                .map(move |m| i64::from(*h) * 60 + i64::from(*m))
        })
        .collect();
    runs.sort_unstable();
    let wrap = 24 * 60 - runs[runs.len() - 1] + runs[0];
    runs.windows(2)
        .map(|w| w[1] - w[0])
        .chain([wrap])
        .max()
        .unwrap()
}

fn gap(expr: &str) -> i64 {
    let s: Schedule = expr.parse().unwrap_or_else(|e| panic!("{expr}: {e}"));
    worst_gap_minutes(&[s], 2026).expect("one schedule")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Minute and hour fields (lists, ranges, wrapping ranges, steps) stand
    /// for the values the reference expands them to: a daily schedule's
    /// worst gap is the largest distance between consecutive runs.
    #[test]
    fn daily_cron_gaps_follow_the_expanded_fields((m, mv) in field(0, 59), (h, hv) in field(0, 23)) {
        let expr = format!("cron({m} {h} * * ? *)");
        prop_assert_eq!(gap(&expr), daily_gap(&mv, &hv), "{}", expr);
    }

    /// A weekly schedule on one day runs every 7 days; named and numbered
    /// days agree.
    #[test]
    fn weekly_cron_on_one_day(m in 0u32..60, h in 0u32..24, d in 1usize..=7) {
        let names = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
        let by_number = gap(&format!("cron({m} {h} ? * {d} *)"));
        let by_name = gap(&format!("cron({m} {h} ? * {} *)", names[d - 1]));
        prop_assert_eq!(by_number, 7 * 24 * 60);
        prop_assert_eq!(by_name, by_number);
    }

    #[test]
    fn rates_are_their_interval(n in 1i64..1000, unit in 0usize..3) {
        let (word, minutes) = [("minute", 1), ("hour", 60), ("day", 24 * 60)][unit];
        let plural = if n == 1 { "" } else { "s" };
        prop_assert_eq!(gap(&format!("rate({n} {word}{plural})")), n * minutes);
    }

    /// Several schedules together never have a longer gap than any one of
    /// them, and the order they are given in does not matter.
    #[test]
    fn unions_are_no_worse_than_each((m1, _) in field(0, 59), (h1, _) in field(0, 23), d in 1u32..=28, hour in 0u32..24) {
        let a: Schedule = format!("cron({m1} {h1} * * ? *)").parse().unwrap();
        let b: Schedule = format!("cron(0 {hour} {d} * ? *)").parse().unwrap();
        let ab = worst_gap_minutes(&[a.clone(), b.clone()], 2026).unwrap();
        let ba = worst_gap_minutes(&[b.clone(), a.clone()], 2026).unwrap();
        prop_assert_eq!(ab, ba);
        prop_assert!(ab <= worst_gap_minutes(&[a], 2026).unwrap());
        prop_assert!(ab <= worst_gap_minutes(&[b], 2026).unwrap());
    }

    /// Any text parses or is an error with a reason; never a panic.
    #[test]
    fn schedule_parsing_never_panics(body in "[0-9A-Z*?,/#LW -]{0,40}", cron in any::<bool>()) {
        let expr = if cron { format!("cron({body})") } else { format!("rate({body})") };
        if let Ok(s) = expr.parse::<Schedule>() {
            let g = worst_gap_minutes(&[s], 2026).unwrap();
            prop_assert!(g > 0, "{}: gap {}", expr, g);
        }
    }
}
