//! Everything doctor's checks need from the host, gathered without
//! creating, modifying or touching any file.

use super::clawwatch;
use super::files::file_modes;
use super::gateway;
use super::options::Options;
use crate::sources::HostEnv;
use clawwatch_core::doctor::DoctorInputs;
use clawwatch_core::doctor::probe::plan;
use clawwatch_core::model::{Report, Snapshot};
use std::time::Duration;

/// Gather every input (with `o.probe`, the providers' answers too). Reads
/// only.
pub fn gather(snap: &Snapshot, report: &Report, host: &HostEnv, o: Options<'_>) -> DoctorInputs {
    let mut inputs = DoctorInputs {
        state_dir_exists: snap.paths.state_dir.is_dir(),
        file_modes: file_modes(snap),
        ..Default::default()
    };
    gateway::gather(snap, host, &mut inputs);
    inputs.clawwatch = clawwatch::gather(host, &o);
    if o.probe {
        let targets = plan(snap, report, &o.doctor.base_urls);
        inputs.probes = Some(crate::doctor::probe::execute(
            &targets,
            Duration::from_secs(10),
        ));
    }
    inputs
}
