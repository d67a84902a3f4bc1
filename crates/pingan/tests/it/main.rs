//! The integration tests, one binary: each business area is a module. One binary links the
//! app once instead of thirty times (the target directory was outgrowing the CI disk).

#[macro_use]
mod common;

mod api;
mod api_tokens;
mod appeal_history;
mod appeal_pages;
mod appeal_rates;
mod appeal_rules;
mod appeals;
mod attachments;
mod audit_ledger;
mod browser;
mod calendar;
mod citizen_photos;
mod classifier_training;
mod cli;
mod forces;
mod instances;
mod ledger;
mod mediation;
mod meetings_pages;
mod notifications;
mod otp;
mod pages;
mod party;
mod prepaid;
mod region_changes;
mod safety;
mod scope;
mod stations;
mod tables;
mod text;
mod volunteers;
mod wish_pages;
