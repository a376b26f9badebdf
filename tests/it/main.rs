//! The integration tests: one binary (linking once), one module per area.
//! Tests that need an external tool are ignored when it is missing, unless
//! CI=true (build.rs decides; see `common::require`).

mod common;
mod support;

mod agent;
mod alerts_alertmanager;
mod alerts_channels;
mod alerts_counters;
mod alerts_crash;
mod alerts_email;
mod alerts_fleet;
mod alerts_kill;
mod alerts_planner;
mod alerts_state_compat;
mod alerts_vocabulary;
mod architecture;
mod cli;
mod contrib;
mod doctor;
mod fixtures;
mod fuzz;
mod golden;
mod hardening;
mod packaging;
mod prometheus_rules;
mod releases;
mod rules;
mod rules_from_metrics;
mod web;
