//! 平安单位 figures: how many units applied (申报率), how many of those concluded passed
//! (验收通过率), titles awarded and revoked — per industry or region, with the year before.

use serde::Serialize;

/// One application's standing, as the figures count it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counted {
    /// A result was reached (验收 concluded).
    pub concluded: bool,
    /// The result stands as 达标 now (on notice or awarded).
    pub passing: bool,
    pub awarded: bool,
    pub revoked: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct SafeUnitFigures {
    /// Live social units of the industry or region (who could apply).
    pub units: u64,
    pub applied: u64,
    /// `applied / units`.
    pub application_rate: Option<f64>,
    pub concluded: u64,
    pub passing: u64,
    /// `passing / concluded`.
    pub acceptance_rate: Option<f64>,
    pub awarded: u64,
    pub revoked: u64,
}

fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

impl SafeUnitFigures {
    pub fn add_unit(&mut self) {
        self.units += 1;
        self.finish();
    }

    pub fn add_application(&mut self, c: Counted) {
        self.applied += 1;
        self.concluded += u64::from(c.concluded);
        self.passing += u64::from(c.passing);
        self.awarded += u64::from(c.awarded);
        self.revoked += u64::from(c.revoked);
        self.finish();
    }

    fn finish(&mut self) {
        self.application_rate = ratio(self.applied, self.units);
        self.acceptance_rate = ratio(self.passing, self.concluded);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_by_hand() {
        let mut f = SafeUnitFigures::default();
        for _ in 0..8 {
            f.add_unit();
        }
        let passed = Counted { concluded: true, passing: true, awarded: true, revoked: false };
        let failed = Counted { concluded: true, passing: false, awarded: false, revoked: false };
        let drafting = Counted { concluded: false, passing: false, awarded: false, revoked: false };
        for c in [passed, passed, failed, drafting] {
            f.add_application(c);
        }
        assert_eq!((f.units, f.applied, f.concluded, f.passing, f.awarded), (8, 4, 3, 2, 2));
        assert_eq!(f.application_rate, Some(0.5));
        assert_eq!(f.acceptance_rate, Some(2.0 / 3.0));
        assert_eq!(SafeUnitFigures::default().acceptance_rate, None);
    }
}
