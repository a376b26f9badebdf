//! Values that go into metric and alert labels.

/// Label values never hold an email address: `anthropic:me@example.com` →
/// `anthropic:email-1a2b3c4d` (a stable hash, so keys stay distinct).
pub fn label_safe(v: &str) -> String {
    if !v.contains('@') {
        return v.to_string();
    }
    // FNV-1a, 32 bits.
    let mut h: u32 = 0x811c_9dc5;
    for b in v.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    let prefix = v
        .split_once(':')
        .map(|(p, _)| format!("{p}:"))
        .unwrap_or_default();
    format!("{prefix}email-{h:08x}")
}
