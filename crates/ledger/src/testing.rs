//! Test support, behind the `testing` feature: the payment-flow model the property
//! tests drive (random sequences of payments, partial captures, refunds, disputes —
//! some withdrawn from whatever balances cover them, leaving a negative balance owed —,
//! settlements and reserve releases that recover what is owed first, payouts, FX
//! conversions, and payments converted into a settlement currency with their refunds,
//! each submitted through
//! the recipes to the in-memory reference ledger, every invariant checked after each
//! step), and fixtures. A [`Mirror`] sees every batch the model submits with the
//! reference's outcome, so the stored ledger (SQLite, PostgreSQL) is checked against
//! the reference on the very same sequences.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::postings::{
    self, Capture, DisputeFunding, DisputeOpened, DisputeWithdrawal, DisputeWon, FeeRefund, MerchantBalance, Recovery,
    Refund, recovery_minor, reserve_share,
};
use crate::{
    Account, AccountId, AccountKind, Balances, BatchError, ConnectorName, Executed, MemoryLedger, PostingError,
    SourceId, Transfer, TransferCode, TransferError, TransferId, verify,
};
use proptest::prelude::*;
use tradewind_money::{Currency, Money};
use tradewind_payments::id::MerchantId;
use tradewind_payments::intent::CaptureMethod;

/// Sees each submitted batch and the reference's outcome; an `Err` fails the case.
pub type Mirror = Box<dyn FnMut(&[Transfer], &Result<Executed, BatchError>) -> Result<(), String>>;

/// Exponents 2, 0 and 3, so rounding differs per currency.
pub const CURRENCIES: [&str; 3] = ["USD", "JPY", "KWD"];
pub const MERCHANTS: usize = 2;
/// Merchant 0 may overdraw `Available` this much; merchant 1 may not overdraw at all.
pub const OVERDRAFT_MINOR: i64 = 5_000;

#[derive(Debug, Clone)]
pub enum Op {
    Pay {
        merchant: usize,
        currency: usize,
        amount_minor: i64,
        fee_basis_points: i64,
        manual: bool,
        capture_permille: i64,
        void: bool,
    },
    /// A payment settled in another currency: captured in `paid_in`, converted at
    /// `rate_percent` / 100 into `settled_in`, where the fee is charged.
    PayConverted {
        merchant: usize,
        paid_in: usize,
        settled_in: usize,
        amount_minor: i64,
        rate_percent: i64,
        fee_basis_points: i64,
        manual: bool,
    },
    Refund {
        payment: usize,
        permille: i64,
        proportional: bool,
    },
    Dispute {
        payment: usize,
        permille: i64,
        fee_minor: i64,
        outcome: u8,
        fee_returned: bool,
        /// Withdrawn from the payment's pending funds, then available, the rest owed
        /// (`dispute_withdrawn`, for the whole remaining amount), rather than all from one
        /// balance (`dispute_opened`, for `permille` of it).
        withdrawn: bool,
    },
    Settle {
        payment: usize,
        reserve_basis_points: u32,
    },
    ReleaseReserve {
        payment: usize,
    },
    Payout {
        merchant: usize,
        currency: usize,
        permille: i64,
        fails: bool,
    },
    Convert {
        merchant: usize,
        sold: usize,
        bought: usize,
        permille: i64,
        rate_percent: i64,
    },
    ConnectorPays {
        currency: usize,
        permille: i64,
    },
    Replay {
        batch: usize,
    },
}

pub fn op() -> impl Strategy<Value = Op> {
    let index = 0usize..64;
    prop_oneof![
        5 => (0..MERCHANTS, 0..CURRENCIES.len(), 1i64..2_000_000, 0i64..1_000, any::<bool>(), 1i64..=1_000, prop::bool::weighted(0.2))
            .prop_map(|(merchant, currency, amount_minor, fee_basis_points, manual, capture_permille, void)| Op::Pay {
                merchant, currency, amount_minor, fee_basis_points, manual, capture_permille, void
            }),
        2 => (0..MERCHANTS, 0..CURRENCIES.len(), 0..CURRENCIES.len(), 1i64..2_000_000, 1i64..20_000, 0i64..1_000, any::<bool>())
            .prop_map(|(merchant, paid_in, settled_in, amount_minor, rate_percent, fee_basis_points, manual)| Op::PayConverted {
                merchant, paid_in, settled_in, amount_minor, rate_percent, fee_basis_points, manual
            }),
        2 => (index.clone(), 1i64..=1_000, any::<bool>()).prop_map(|(payment, permille, proportional)| Op::Refund { payment, permille, proportional }),
        3 => (index.clone(), 1i64..=1_000, 0i64..3_000, 0u8..3, any::<bool>(), prop::bool::weighted(0.7)).prop_map(|(payment, permille, fee_minor, outcome, fee_returned, withdrawn)| {
            Op::Dispute { payment, permille, fee_minor, outcome, fee_returned, withdrawn }
        }),
        3 => (index.clone(), 0u32..3_000).prop_map(|(payment, reserve_basis_points)| Op::Settle { payment, reserve_basis_points }),
        1 => index.clone().prop_map(|payment| Op::ReleaseReserve { payment }),
        2 => (0..MERCHANTS, 0..CURRENCIES.len(), 1i64..=1_000, prop::bool::weighted(0.3))
            .prop_map(|(merchant, currency, permille, fails)| Op::Payout { merchant, currency, permille, fails }),
        2 => (0..MERCHANTS, 0..CURRENCIES.len(), 0..CURRENCIES.len(), 1i64..=1_000, 1i64..20_000)
            .prop_map(|(merchant, sold, bought, permille, rate_percent)| Op::Convert { merchant, sold, bought, permille, rate_percent }),
        1 => (0..CURRENCIES.len(), 1i64..=1_000).prop_map(|(currency, permille)| Op::ConnectorPays { currency, permille }),
        1 => index.prop_map(|batch| Op::Replay { batch }),
    ]
}

/// What the test remembers about a captured payment, to choose sensible follow-ups. The
/// ledger stays the authority: a follow-up the model gets wrong is merely refused.
#[derive(Debug)]
pub struct Payment {
    source: SourceId,
    merchant: usize,
    currency: Currency,
    captured_minor: i64,
    fee_minor: i64,
    refunded_minor: i64,
    /// This payment's share of the merchant's `Pending` balance.
    pending_minor: i64,
    settled: bool,
    reserve_minor: i64,
    reserve_released: bool,
    /// For a payment converted into `currency`: what the buyer paid, in its currency.
    paid_in: Option<PaidIn>,
}

/// The buyer's side of a converted payment.
#[derive(Debug)]
struct PaidIn {
    currency: Currency,
    captured_minor: i64,
    refunded_minor: i64,
}

pub struct World {
    pub ledger: MemoryLedger,
    merchants: Vec<MerchantId>,
    payments: Vec<Payment>,
    accepted: Vec<Vec<Transfer>>,
    objects: usize,
    /// Only batches built by the recipes keep the fee memo pair in step.
    pub recipes_only: bool,
    /// Called with every batch submitted to the reference and its outcome, so another
    /// implementation (the stored ledger) can be checked against it step by step.
    pub mirror: Option<Mirror>,
}

impl Default for World {
    fn default() -> Self {
        World::new()
    }
}

impl World {
    pub fn new() -> Self {
        let merchants: Vec<MerchantId> = (0..MERCHANTS).map(|n| merchant(char::from(b'1' + n as u8))).collect();
        let mut ledger = MemoryLedger::new();
        for code in CURRENCIES {
            let available = merchant_account(&merchants[0], AccountKind::Available, code);
            ledger.open(Account::open(available).with_negative_limit(OVERDRAFT_MINOR));
        }
        World {
            ledger,
            merchants,
            payments: Vec::new(),
            accepted: Vec::new(),
            objects: 0,
            recipes_only: true,
            mirror: None,
        }
    }

    fn next_source(&mut self, prefix: &str) -> SourceId {
        self.objects += 1;
        source(&format!("{prefix}_{}", self.objects))
    }

    fn snapshot(&self) -> (usize, Vec<(AccountId, Balances)>) {
        let mut balances: Vec<(AccountId, Balances)> =
            self.ledger.accounts().map(|account| (account.id.clone(), account.balances)).collect();
        balances.sort_by(|left, right| left.0.cmp(&right.0));
        (self.ledger.transfers().count(), balances)
    }

    /// Submits one batch and checks every property; true if the ledger accepted it.
    pub fn submit(&mut self, batch: Result<Vec<Transfer>, PostingError>) -> Result<bool, TestCaseError> {
        let Ok(batch) = batch else { return Ok(false) };
        self.ledger.open_accounts_for(&batch);
        let before = self.snapshot();
        let outcome = self.ledger.execute(&batch);
        if let Some(mirror) = &mut self.mirror {
            mirror(&batch, &outcome).map_err(TestCaseError::fail)?;
        }
        let accepted = match outcome {
            Ok(done) => {
                prop_assert_eq!(done.created + done.existed, batch.len());
                let replay = self.ledger.execute(&batch).unwrap();
                prop_assert_eq!((replay.created, replay.existed), (0, batch.len()));
                self.accepted.push(batch);
                true
            }
            Err(_) => {
                prop_assert_eq!(self.snapshot(), before, "a refused batch changed the ledger");
                false
            }
        };
        self.check_books()?;
        Ok(accepted)
    }

    fn check_books(&self) -> Result<(), TestCaseError> {
        let violations = verify(self.ledger.accounts(), self.ledger.transfers());
        prop_assert!(violations.is_empty(), "{:#?}", violations);
        if !self.recipes_only {
            return Ok(());
        }
        // The fee memo pair: revenue, the control account and the merchants' fees agree.
        for code in CURRENCIES {
            let revenue = balance(&self.ledger, &platform_account(AccountKind::PlatformFeeRevenue, code));
            let control = balance(&self.ledger, &platform_account(AccountKind::FeesPaidControl, code));
            let fees: i64 = self
                .merchants
                .iter()
                .map(|merchant| balance(&self.ledger, &merchant_account(merchant, AccountKind::FeesPaid, code)))
                .sum();
            prop_assert_eq!((revenue, control), (fees, fees));
        }
        Ok(())
    }

    fn available(&self, merchant: usize, currency: Currency) -> i64 {
        self.merchant_reads(merchant, AccountKind::Available, currency)
    }

    /// What the merchant owes the platform in `currency` (its `NegativeBalance`).
    fn owed(&self, merchant: usize, currency: Currency) -> i64 {
        self.merchant_reads(merchant, AccountKind::NegativeBalance, currency)
    }

    fn merchant_reads(&self, merchant: usize, kind: AccountKind, currency: Currency) -> i64 {
        let id = AccountId::merchant(&self.merchants[merchant], kind, currency).unwrap();
        balance(&self.ledger, &id)
    }

    /// Submits a batch that credits `credited_minor` to the merchant's available balance,
    /// with the recovery of what it owes appended, and checks the debt went down by
    /// exactly the recovery; true if the ledger accepted it.
    fn submit_recovering(
        &mut self,
        index: usize,
        batch: Result<Vec<Transfer>, PostingError>,
        credited_minor: i64,
        recovery: Recovery,
    ) -> Result<bool, TestCaseError> {
        let (merchant, currency) = (self.payments[index].merchant, self.payments[index].currency);
        let owed_before = self.owed(merchant, currency);
        let source = self.payments[index].source.clone();
        let merchant_id = self.merchants[merchant].clone();
        let owed = Money::new(owed_before, currency);
        let batch = batch.and_then(|mut transfers| {
            transfers.extend(postings::negative_balance_recovered(
                &source,
                &merchant_id,
                owed,
                credited_minor,
                recovery,
            )?);
            Ok(transfers)
        });
        let accepted = self.submit(batch)?;
        if accepted {
            let repaid = recovery_minor(owed_before, credited_minor);
            prop_assert_eq!(self.owed(merchant, currency), owed_before - repaid, "a credit repays what is owed first");
        }
        Ok(accepted)
    }

    pub fn apply(&mut self, op: Op) -> Result<(), TestCaseError> {
        match op {
            Op::Pay { merchant, currency, amount_minor, fee_basis_points, manual, capture_permille, void } => {
                self.pay(merchant, currency, amount_minor, fee_basis_points, manual, capture_permille, void)
            }
            Op::PayConverted {
                merchant,
                paid_in,
                settled_in,
                amount_minor,
                rate_percent,
                fee_basis_points,
                manual,
            } => self.pay_converted(
                merchant,
                (paid_in, settled_in),
                amount_minor,
                rate_percent,
                fee_basis_points,
                manual,
            ),
            Op::Refund { payment, permille, proportional } => self.refund(payment, permille, proportional),
            Op::Dispute { payment, permille, fee_minor, outcome, fee_returned, withdrawn } => {
                self.dispute(payment, permille, fee_minor, outcome, fee_returned, withdrawn)
            }
            Op::Settle { payment, reserve_basis_points } => self.settle(payment, reserve_basis_points),
            Op::ReleaseReserve { payment } => self.release_reserve(payment),
            Op::Payout { merchant, currency, permille, fails } => self.payout(merchant, currency, permille, fails),
            Op::Convert { merchant, sold, bought, permille, rate_percent } => {
                self.convert(merchant, sold, bought, permille, rate_percent)
            }
            Op::ConnectorPays { currency, permille } => {
                let currency = Currency::parse(CURRENCIES[currency]).unwrap();
                let owed = balance(&self.ledger, &clearing(currency.code()));
                if owed > 0 {
                    let settlement = self.next_source("st");
                    let amount = Money::new(share(owed, permille), currency);
                    self.submit(postings::connector_settlement(&settlement, &connector(), amount))?;
                }
                Ok(())
            }
            Op::Replay { batch } => {
                if !self.accepted.is_empty() {
                    let batch = self.accepted[batch % self.accepted.len()].clone();
                    let replay = self.ledger.execute(&batch);
                    if let Some(mirror) = &mut self.mirror {
                        mirror(&batch, &replay).map_err(TestCaseError::fail)?;
                    }
                    let replay = replay.unwrap();
                    prop_assert_eq!((replay.created, replay.existed), (0, batch.len()));
                    self.check_books()?;
                }
                Ok(())
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn pay(
        &mut self,
        merchant: usize,
        currency: usize,
        amount_minor: i64,
        fee_basis_points: i64,
        manual: bool,
        capture_permille: i64,
        void: bool,
    ) -> Result<(), TestCaseError> {
        let currency = Currency::parse(CURRENCIES[currency]).unwrap();
        let payment = self.next_source("pi");
        let merchant_id = self.merchants[merchant].clone();
        let mut captured_minor = amount_minor;
        let method = if manual { CaptureMethod::Manual } else { CaptureMethod::Automatic };
        if manual {
            let authorized = Money::new(amount_minor, currency);
            prop_assert!(self.submit(postings::authorization_hold(
                &payment,
                &merchant_id,
                &connector(),
                authorized
            ))?);
            if void {
                prop_assert!(self.submit(postings::authorization_void(
                    &payment,
                    &merchant_id,
                    &connector(),
                    authorized
                ))?);
                return Ok(());
            }
            captured_minor = share(amount_minor, capture_permille);
        }
        let fee_minor = captured_minor * fee_basis_points / 10_000;
        let capture = Capture {
            payment: &payment,
            merchant: &merchant_id,
            connector: &connector(),
            amount: Money::new(captured_minor, currency),
            fee: Money::new(fee_minor, currency),
            method,
        };
        prop_assert!(self.submit(postings::capture(&capture))?, "a capture with its fee must always be accepted");
        self.payments.push(Payment {
            source: payment,
            merchant,
            currency,
            captured_minor,
            fee_minor,
            refunded_minor: 0,
            pending_minor: captured_minor - fee_minor,
            settled: false,
            reserve_minor: 0,
            reserve_released: false,
            paid_in: None,
        });
        Ok(())
    }

    fn pay_converted(
        &mut self,
        merchant: usize,
        (paid_in, settled_in): (usize, usize),
        amount_minor: i64,
        rate_percent: i64,
        fee_basis_points: i64,
        manual: bool,
    ) -> Result<(), TestCaseError> {
        let paid_in = Currency::parse(CURRENCIES[paid_in]).unwrap();
        let settled_in = Currency::parse(CURRENCIES[settled_in]).unwrap();
        let settled_minor = amount_minor * rate_percent / 100;
        let payment = self.next_source("pi");
        let merchant_id = self.merchants[merchant].clone();
        let amount = Money::new(amount_minor, paid_in);
        let method = if manual { CaptureMethod::Manual } else { CaptureMethod::Automatic };
        if paid_in == settled_in || settled_minor <= 0 {
            // Not a conversion: the recipe refuses it, and the ledger never sees it.
            let capture = postings::ConvertedCapture {
                payment: &payment,
                merchant: &merchant_id,
                connector: &connector(),
                amount,
                settled: Money::new(settled_minor, settled_in),
                fee: Money::zero(settled_in),
                method,
            };
            prop_assert!(postings::converted_capture(&capture).is_err());
            return Ok(());
        }
        if manual {
            prop_assert!(self.submit(postings::authorization_hold(&payment, &merchant_id, &connector(), amount))?);
        }
        let fee_minor = settled_minor * fee_basis_points / 10_000;
        let capture = postings::ConvertedCapture {
            payment: &payment,
            merchant: &merchant_id,
            connector: &connector(),
            amount,
            settled: Money::new(settled_minor, settled_in),
            fee: Money::new(fee_minor, settled_in),
            method,
        };
        prop_assert!(
            self.submit(postings::converted_capture(&capture))?,
            "a converted capture with its fee must always be accepted"
        );
        self.payments.push(Payment {
            source: payment,
            merchant,
            currency: settled_in,
            captured_minor: settled_minor,
            fee_minor,
            refunded_minor: 0,
            pending_minor: settled_minor - fee_minor,
            settled: false,
            reserve_minor: 0,
            reserve_released: false,
            paid_in: Some(PaidIn { currency: paid_in, captured_minor: amount_minor, refunded_minor: 0 }),
        });
        Ok(())
    }

    /// A refund of a converted payment: `permille` of what the buyer has left, costing the
    /// merchant the same share of the settled amount, on cumulative amounts.
    fn refund_converted(&mut self, index: usize, permille: i64, proportional: bool) -> Result<(), TestCaseError> {
        let paid = &self.payments[index];
        let Some(paid_in) = &paid.paid_in else { return Ok(()) };
        let remaining = paid_in.captured_minor - paid_in.refunded_minor;
        // A dispute takes what is left of the settled amount (the model marks it refunded).
        if remaining <= 0 || paid.refunded_minor >= paid.captured_minor {
            return Ok(());
        }
        let amount_minor = share(remaining, permille);
        let settled_at = |refunded: i64| paid.captured_minor * refunded / paid_in.captured_minor;
        let settled_minor = (settled_at(paid_in.refunded_minor + amount_minor) - settled_at(paid_in.refunded_minor))
            .min(paid.captured_minor - paid.refunded_minor);
        let fee_returned = if proportional && settled_minor > 0 {
            FeeRefund::Proportional {
                fee_minor: paid.fee_minor,
                captured_minor: paid.captured_minor,
                refunded_before_minor: paid.refunded_minor,
            }
            .amount_minor(settled_minor)
            .unwrap()
        } else {
            0
        };
        let from = if paid.settled { MerchantBalance::Available } else { MerchantBalance::Pending };
        let (paid_currency, settled_currency) = (paid_in.currency, paid.currency);
        let merchant = self.merchants[paid.merchant].clone();
        let refund = self.next_source("re");
        let batch = postings::converted_refund(&postings::ConvertedRefund {
            refund: &refund,
            merchant: &merchant,
            connector: &connector(),
            amount: Money::new(amount_minor, paid_currency),
            settled: Money::new(settled_minor, settled_currency),
            fee_returned: Money::new(fee_returned, settled_currency),
            from,
        });
        if self.submit(batch)? {
            let paid = &mut self.payments[index];
            paid.refunded_minor += settled_minor;
            if let Some(paid_in) = &mut paid.paid_in {
                paid_in.refunded_minor += amount_minor;
            }
            if !paid.settled {
                paid.pending_minor -= settled_minor - fee_returned;
            }
        }
        Ok(())
    }

    fn refund(&mut self, payment: usize, permille: i64, proportional: bool) -> Result<(), TestCaseError> {
        let Some(index) = self.pick(payment) else { return Ok(()) };
        if self.payments[index].paid_in.is_some() {
            return self.refund_converted(index, permille, proportional);
        }
        let paid = &self.payments[index];
        let remaining = paid.captured_minor - paid.refunded_minor;
        if remaining <= 0 {
            return Ok(());
        }
        let amount_minor = share(remaining, permille);
        let fee_refund = if proportional {
            FeeRefund::Proportional {
                fee_minor: paid.fee_minor,
                captured_minor: paid.captured_minor,
                refunded_before_minor: paid.refunded_minor,
            }
        } else {
            FeeRefund::None
        };
        let fee_returned = fee_refund.amount_minor(amount_minor).unwrap();
        let from = if paid.settled { MerchantBalance::Available } else { MerchantBalance::Pending };
        let refund = self.next_source("re");
        let merchant = self.merchants[self.payments[index].merchant].clone();
        let batch = postings::refund(&Refund {
            refund: &refund,
            merchant: &merchant,
            connector: &connector(),
            amount: Money::new(amount_minor, self.payments[index].currency),
            from,
            fee_refund,
        });
        if self.submit(batch)? {
            let paid = &mut self.payments[index];
            paid.refunded_minor += amount_minor;
            if !paid.settled {
                paid.pending_minor -= amount_minor - fee_returned;
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn dispute(
        &mut self,
        payment: usize,
        permille: i64,
        fee_minor: i64,
        outcome: u8,
        fee_returned: bool,
        withdrawn: bool,
    ) -> Result<(), TestCaseError> {
        let Some(index) = self.pick(payment) else { return Ok(()) };
        let paid = &self.payments[index];
        let remaining = paid.captured_minor - paid.refunded_minor;
        if remaining <= 0 {
            return Ok(());
        }
        let (currency, settled, merchant_index) = (paid.currency, paid.settled, paid.merchant);
        // The payment's own pending funds, as far as the pending balance still holds them.
        let pending_cover = if settled {
            0
        } else {
            paid.pending_minor.min(self.merchant_reads(merchant_index, AccountKind::Pending, currency))
        };
        let merchant = self.merchants[merchant_index].clone();
        // A withdrawn chargeback is for everything left of the payment, as the sandbox
        // cards open them: with the capture fee already paid, it leaves the merchant
        // owing unless its available balance covers the difference.
        let amount = Money::new(if withdrawn { remaining } else { share(remaining, permille) }, currency);
        let fee = Money::new(fee_minor, currency);
        let dispute = self.next_source("dp");
        let (batch, from_pending) = if withdrawn {
            let funding = DisputeFunding::plan(
                amount.minor() + fee_minor,
                pending_cover,
                self.available(merchant_index, currency),
            )
            .unwrap();
            let withdrawal = DisputeWithdrawal { dispute: &dispute, merchant: &merchant, amount, fee, funding };
            (postings::dispute_withdrawn(&withdrawal), funding.pending_minor)
        } else {
            let from = if settled { MerchantBalance::Available } else { MerchantBalance::Pending };
            let opened = DisputeOpened { dispute: &dispute, merchant: &merchant, amount, fee, from };
            (postings::dispute_opened(&opened), if settled { 0 } else { amount.minor() + fee_minor })
        };
        let accepted = self.submit(batch)?;
        prop_assert!(accepted || !withdrawn, "a withdrawal owes what its balances cannot cover, so never fails");
        if !accepted {
            return Ok(());
        }
        let paid = &mut self.payments[index];
        paid.refunded_minor += amount.minor();
        paid.pending_minor -= from_pending;
        let mut decided = match outcome {
            0 => {
                postings::dispute_won(&DisputeWon { dispute: &dispute, merchant: &merchant, amount, fee, fee_returned })
            }
            1 => postings::dispute_lost(&dispute, &merchant, &connector(), amount),
            _ => return Ok(()),
        };
        // A won dispute's money repays what is owed first, as the API books it.
        let owed = self.owed(merchant_index, currency);
        if outcome == 0 && owed > 0 {
            let returned = amount.minor() + if fee_returned { fee_minor } else { 0 };
            let repaid = owed.min(self.available(merchant_index, currency) + returned);
            if repaid > 0
                && let Ok(transfers) = &mut decided
            {
                transfers.extend(
                    postings::negative_balance_repaid(&dispute, &merchant, Money::new(repaid, currency)).unwrap(),
                );
            }
        }
        prop_assert!(self.submit(decided)?, "deciding an open dispute must always be accepted");
        Ok(())
    }

    fn settle(&mut self, payment: usize, reserve_basis_points: u32) -> Result<(), TestCaseError> {
        let Some(index) = self.pick(payment) else { return Ok(()) };
        let paid = &self.payments[index];
        if paid.settled || paid.pending_minor <= 0 {
            return Ok(());
        }
        let amount = Money::new(paid.pending_minor, paid.currency);
        let merchant = self.merchants[paid.merchant].clone();
        let batch = postings::settlement(&paid.source.clone(), &merchant, amount, reserve_basis_points);
        let released_minor =
            amount.minor() - reserve_share(amount, reserve_basis_points).map_or(0, |held| held.minor());
        if self.submit_recovering(index, batch, released_minor, Recovery::Settlement)? {
            let paid = &mut self.payments[index];
            paid.settled = true;
            paid.reserve_minor = reserve_share(amount, reserve_basis_points).unwrap().minor();
        }
        Ok(())
    }

    fn release_reserve(&mut self, payment: usize) -> Result<(), TestCaseError> {
        let Some(index) = self.pick(payment) else { return Ok(()) };
        let paid = &self.payments[index];
        if !paid.settled || paid.reserve_minor <= 0 || paid.reserve_released {
            return Ok(());
        }
        let merchant = self.merchants[paid.merchant].clone();
        let amount = Money::new(paid.reserve_minor, paid.currency);
        let batch = postings::reserve_release(&paid.source.clone(), &merchant, amount);
        prop_assert!(
            self.submit_recovering(index, batch, amount.minor(), Recovery::ReserveRelease)?,
            "a reserve is always there to release"
        );
        self.payments[index].reserve_released = true;
        Ok(())
    }

    fn payout(&mut self, merchant: usize, currency: usize, permille: i64, fails: bool) -> Result<(), TestCaseError> {
        let currency = Currency::parse(CURRENCIES[currency]).unwrap();
        let available = self.available(merchant, currency);
        if available <= 0 {
            return Ok(());
        }
        let amount = Money::new(share(available, permille), currency);
        let payout = self.next_source("po");
        let merchant_id = self.merchants[merchant].clone();
        prop_assert!(self.submit(postings::payout_created(&payout, &merchant_id, amount))?);
        let finished = if fails {
            postings::payout_failed(&payout, &merchant_id, amount)
        } else {
            postings::payout_paid(&payout, &merchant_id, amount)
        };
        prop_assert!(self.submit(finished)?, "money in transit can always finish its trip");
        Ok(())
    }

    fn convert(
        &mut self,
        merchant: usize,
        sold: usize,
        bought: usize,
        permille: i64,
        rate_percent: i64,
    ) -> Result<(), TestCaseError> {
        let sold = Currency::parse(CURRENCIES[sold]).unwrap();
        let bought = Currency::parse(CURRENCIES[bought]).unwrap();
        let available = self.available(merchant, sold);
        if available <= 0 {
            return Ok(());
        }
        let sold_minor = share(available, permille);
        let bought_minor = (sold_minor * rate_percent / 100).max(1);
        let conversion = self.next_source("conv");
        let merchant_id = self.merchants[merchant].clone();
        let batch = postings::fx_conversion(
            &conversion,
            &merchant_id,
            Money::new(sold_minor, sold),
            Money::new(bought_minor, bought),
        );
        let same_currency = sold == bought;
        prop_assert_eq!(self.submit(batch)?, !same_currency);
        Ok(())
    }

    fn pick(&self, payment: usize) -> Option<usize> {
        (!self.payments.is_empty()).then(|| payment % self.payments.len())
    }
}

/// `permille` thousandths of `amount`, at least one minor unit.
pub fn share(amount_minor: i64, permille: i64) -> i64 {
    (amount_minor * permille / 1_000).max(1)
}

pub mod fixtures;

pub use fixtures::*;
