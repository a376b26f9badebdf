//! How OpenClaw combines an agent's own store with the shared one.

use crate::model::AuthStore;

/// Overlay `top` on `base` the way OpenClaw merges an agent store over the
/// shared one: profiles by id, order by provider, usage stats by id.
pub fn merge(base: &AuthStore, top: &AuthStore) -> AuthStore {
    let mut out = base.clone();
    for p in top.profiles() {
        out.upsert(p.clone());
    }
    for (prov, ids) in &top.order {
        if let Some(slot) = out.order.iter_mut().find(|(p, _)| p == prov) {
            slot.1 = ids.clone();
        } else {
            out.order.push((prov.clone(), ids.clone()));
        }
    }
    for (id, s) in &top.usage {
        out.usage.insert(id.clone(), s.clone());
    }
    out
}
