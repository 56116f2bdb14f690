//! The posting recipes end to end on the in-memory ledger: what each account reads after
//! each flow, that flows replay as no-ops, and that the books stay balanced.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use tradewind_ledger::postings::{
    self, Capture, DisputeFunding, DisputeOpened, DisputeWithdrawal, DisputeWon, FeeRefund, MerchantBalance, Refund,
    reserve_share,
};
use tradewind_ledger::{
    AccountKind, LedgerView, MemoryLedger, PendingState, PostingError, Transfer, TransferError, verify,
};
use tradewind_money::Money;
use tradewind_payments::id::MerchantId;
use tradewind_payments::intent::CaptureMethod;

struct Books {
    ledger: MemoryLedger,
    merchant: MerchantId,
}

impl Books {
    fn new() -> Self {
        Books { ledger: MemoryLedger::new(), merchant: merchant('1') }
    }

    /// Runs a posting, checks the books, and checks that running it again changes nothing.
    fn post(&mut self, batch: Vec<Transfer>) {
        run(&mut self.ledger, &batch);
        assert_eq!(verify(self.ledger.accounts(), self.ledger.transfers()), vec![]);
        let replay = self.ledger.execute(&batch).unwrap();
        assert_eq!((replay.created, replay.existed), (0, batch.len()));
    }

    fn merchant_reads(&self, kind: AccountKind) -> i64 {
        balance(&self.ledger, &merchant_account(&self.merchant, kind, "USD"))
    }

    fn platform_reads(&self, kind: AccountKind) -> i64 {
        balance(&self.ledger, &platform_account(kind, "USD"))
    }

    fn clearing_reads(&self) -> i64 {
        balance(&self.ledger, &clearing("USD"))
    }

    fn capture(&mut self, payment: &str, amount_minor: i64, fee_minor: i64, method: CaptureMethod) {
        let payment = source(payment);
        let batch = postings::capture(&Capture {
            payment: &payment,
            merchant: &self.merchant,
            connector: &connector(),
            amount: usd(amount_minor),
            fee: usd(fee_minor),
            method,
        })
        .unwrap();
        self.post(batch);
    }

    fn refund(&mut self, refund: &str, amount_minor: i64, from: MerchantBalance, fee_refund: FeeRefund) {
        let refund = source(refund);
        let batch = postings::refund(&Refund {
            refund: &refund,
            merchant: &self.merchant,
            connector: &connector(),
            amount: usd(amount_minor),
            from,
            fee_refund,
        })
        .unwrap();
        self.post(batch);
    }

    fn settle(&mut self, payment: &str, amount_minor: i64, reserve_basis_points: u32) {
        let batch =
            postings::settlement(&source(payment), &self.merchant, usd(amount_minor), reserve_basis_points).unwrap();
        self.post(batch);
    }
}

#[test]
fn a_capture_with_a_fee_reads_net_everywhere() {
    let mut books = Books::new();
    books.capture("pi_1", 10_000, 320, CaptureMethod::Automatic);
    assert_eq!(books.merchant_reads(AccountKind::Pending), 9_680);
    assert_eq!(books.merchant_reads(AccountKind::FeesPaid), 320);
    assert_eq!(books.platform_reads(AccountKind::PlatformFeeRevenue), 320);
    assert_eq!(books.platform_reads(AccountKind::FeesPaidControl), 320);
    assert_eq!(books.clearing_reads(), 10_000);
    let ids: Vec<String> = books.ledger.transfers().map(|t| t.transfer.id.to_string()).collect();
    assert_eq!(ids, ["pi_1:capture", "pi_1:capture:fee", "pi_1:capture:fee:memo"]);
}

#[test]
fn a_manual_capture_posts_part_of_the_hold_and_releases_the_rest() {
    let mut books = Books::new();
    let payment = source("pi_1");
    books.post(postings::authorization_hold(&payment, &books.merchant.clone(), &connector(), usd(10_000)).unwrap());
    let pending = merchant_account(&books.merchant, AccountKind::Pending, "USD");
    assert_eq!(books.ledger.get(&pending).map(|a| a.balances.pending_for(AccountKind::Pending)), Some(10_000));
    assert_eq!(books.merchant_reads(AccountKind::Pending), 0);

    books.capture("pi_1", 6_000, 200, CaptureMethod::Manual);
    assert_eq!(books.merchant_reads(AccountKind::Pending), 5_800);
    assert_eq!(books.ledger.get(&pending).map(|a| a.balances.credits_pending), Some(0));
    assert_eq!(books.clearing_reads(), 6_000);
    let hold = books.ledger.transfer(&transfer_id("pi_1:authorization")).unwrap();
    assert_eq!(hold.pending_state, Some(PendingState::Posted));
}

#[test]
fn a_void_releases_the_whole_hold() {
    let mut books = Books::new();
    let payment = source("pi_1");
    let merchant = books.merchant.clone();
    books.post(postings::authorization_hold(&payment, &merchant, &connector(), usd(10_000)).unwrap());
    books.post(postings::authorization_void(&payment, &merchant, &connector(), usd(10_000)).unwrap());
    let pending = merchant_account(&merchant, AccountKind::Pending, "USD");
    assert_eq!(books.ledger.get(&pending).map(|a| a.balances.credits_pending), Some(0));
    let hold = books.ledger.transfer(&transfer_id("pi_1:authorization")).unwrap();
    assert_eq!(hold.pending_state, Some(PendingState::Voided));
    // A capture after the void is refused: the hold is gone.
    let late = postings::capture(&Capture {
        payment: &payment,
        merchant: &merchant,
        connector: &connector(),
        amount: usd(10_000),
        fee: usd(0),
        method: CaptureMethod::Manual,
    })
    .unwrap();
    assert!(matches!(refusal(books.ledger.execute(&late)).1, TransferError::PendingTransferAlreadyVoided { .. }));
}

#[test]
fn partial_refunds_return_exactly_the_whole_fee() {
    let mut books = Books::new();
    books.capture("pi_1", 10_000, 320, CaptureMethod::Automatic);
    let mut refunded = 0;
    for (refund, amount) in [("re_1", 3_333), ("re_2", 3_333), ("re_3", 3_334)] {
        let rule = FeeRefund::Proportional { fee_minor: 320, captured_minor: 10_000, refunded_before_minor: refunded };
        books.refund(refund, amount, MerchantBalance::Pending, rule);
        refunded += amount;
    }
    assert_eq!(books.merchant_reads(AccountKind::Pending), 0);
    assert_eq!(books.merchant_reads(AccountKind::FeesPaid), 0);
    assert_eq!(books.platform_reads(AccountKind::PlatformFeeRevenue), 0);
    assert_eq!(books.clearing_reads(), 0);
}

#[test]
fn a_refund_that_keeps_the_fee_needs_the_money_or_an_overdraft() {
    let mut books = Books::new();
    books.capture("pi_1", 10_000, 320, CaptureMethod::Automatic);
    let refund = source("re_1");
    let batch = postings::refund(&Refund {
        refund: &refund,
        merchant: &books.merchant,
        connector: &connector(),
        amount: usd(10_000),
        from: MerchantBalance::Pending,
        fee_refund: FeeRefund::None,
    })
    .unwrap();
    assert!(matches!(refusal(books.ledger.execute(&batch)).1, TransferError::ExceedsCredits { .. }));

    books.settle("pi_1", 9_680, 0);
    let available = merchant_account(&books.merchant, AccountKind::Available, "USD");
    books.ledger.set_negative_limit(&available, 500);
    books.refund("re_1", 10_000, MerchantBalance::Available, FeeRefund::None);
    assert_eq!(books.merchant_reads(AccountKind::Available), -320);
    assert_eq!(books.merchant_reads(AccountKind::FeesPaid), 320);
}

#[test]
fn a_lost_dispute_costs_the_amount_and_the_fee() {
    let mut books = Books::new();
    books.capture("pi_1", 10_000, 320, CaptureMethod::Automatic);
    books.settle("pi_1", 9_680, 0);
    let dispute = source("dp_1");
    let merchant = books.merchant.clone();
    books.post(
        postings::dispute_opened(&DisputeOpened {
            dispute: &dispute,
            merchant: &merchant,
            amount: usd(5_000),
            fee: usd(1_500),
            from: MerchantBalance::Available,
        })
        .unwrap(),
    );
    assert_eq!(books.merchant_reads(AccountKind::Available), 9_680 - 6_500);
    assert_eq!(books.merchant_reads(AccountKind::Disputed), 5_000);
    assert_eq!(books.merchant_reads(AccountKind::FeesPaid), 1_820);
    books.post(postings::dispute_lost(&dispute, &merchant, &connector(), usd(5_000)).unwrap());
    assert_eq!(books.merchant_reads(AccountKind::Disputed), 0);
    assert_eq!(books.clearing_reads(), 5_000);
    assert_eq!(books.platform_reads(AccountKind::PlatformFeeRevenue), 1_820);
}

#[test]
fn a_won_dispute_returns_the_amount_and_optionally_the_fee() {
    for fee_returned in [false, true] {
        let mut books = Books::new();
        books.capture("pi_1", 10_000, 320, CaptureMethod::Automatic);
        books.settle("pi_1", 9_680, 0);
        let dispute = source("dp_1");
        let merchant = books.merchant.clone();
        let opened = DisputeOpened {
            dispute: &dispute,
            merchant: &merchant,
            amount: usd(5_000),
            fee: usd(1_500),
            from: MerchantBalance::Available,
        };
        books.post(postings::dispute_opened(&opened).unwrap());
        let won =
            DisputeWon { dispute: &dispute, merchant: &merchant, amount: usd(5_000), fee: usd(1_500), fee_returned };
        books.post(postings::dispute_won(&won).unwrap());
        let fee_kept = if fee_returned { 0 } else { 1_500 };
        assert_eq!(books.merchant_reads(AccountKind::Available), 9_680 - fee_kept);
        assert_eq!(books.merchant_reads(AccountKind::Disputed), 0);
        assert_eq!(books.merchant_reads(AccountKind::FeesPaid), 320 + fee_kept);
        assert_eq!(books.platform_reads(AccountKind::PlatformFeeRevenue), 320 + fee_kept);
    }
}

#[test]
fn a_dispute_larger_than_the_pending_funds_is_owed_and_repaid_when_won() {
    let mut books = Books::new();
    books.capture("pi_0", 2_000, 0, CaptureMethod::Automatic);
    books.settle("pi_0", 1_000, 0);
    books.capture("pi_1", 10_000, 320, CaptureMethod::Automatic);
    let dispute = source("dp_1");
    let merchant = books.merchant.clone();
    // 115.00 needed: 96.80 of the payment's pending funds, 10.00 available, 8.20 owed.
    let funding = DisputeFunding::plan(11_500, 9_680, 1_000).unwrap();
    let withdrawal =
        DisputeWithdrawal { dispute: &dispute, merchant: &merchant, amount: usd(10_000), fee: usd(1_500), funding };
    books.post(postings::dispute_withdrawn(&withdrawal).unwrap());
    // The other payment's pending funds (10.00 of pi_0) are untouched.
    assert_eq!(books.merchant_reads(AccountKind::Pending), 1_000);
    assert_eq!(books.merchant_reads(AccountKind::Available), 0);
    assert_eq!(books.merchant_reads(AccountKind::Disputed), 10_000);
    assert_eq!(books.merchant_reads(AccountKind::NegativeBalance), 820);
    assert_eq!(books.merchant_reads(AccountKind::FeesPaid), 320 + 1_500);
    assert_eq!(books.platform_reads(AccountKind::PlatformFeeRevenue), 320 + 1_500);

    let won =
        DisputeWon { dispute: &dispute, merchant: &merchant, amount: usd(10_000), fee: usd(1_500), fee_returned: true };
    books.post(postings::dispute_won(&won).unwrap());
    books.post(postings::negative_balance_repaid(&dispute, &merchant, usd(820)).unwrap());
    assert_eq!(books.merchant_reads(AccountKind::NegativeBalance), 0);
    // The 10.00 settled earlier was taken; 100.00 and the 15.00 fee came back, less the
    // 8.20 repaid.
    assert_eq!(books.merchant_reads(AccountKind::Available), 10_000 + 1_500 - 820);
    assert_eq!(books.merchant_reads(AccountKind::Disputed), 0);
    assert_eq!(books.merchant_reads(AccountKind::FeesPaid), 320);
}

#[test]
fn a_dispute_withdrawal_must_be_funded_exactly_and_repaid_at_most_in_full() {
    let mut books = Books::new();
    let dispute = source("dp_1");
    let merchant = books.merchant.clone();
    let short = DisputeFunding { pending_minor: 0, available_minor: 0, negative_balance_minor: 11_499 };
    let withdrawal = DisputeWithdrawal {
        dispute: &dispute,
        merchant: &merchant,
        amount: usd(10_000),
        fee: usd(1_500),
        funding: short,
    };
    assert_eq!(
        postings::dispute_withdrawn(&withdrawal).unwrap_err(),
        PostingError::FundingMismatch { funded_minor: 11_499, required_minor: 11_500 }
    );
    let crooked = DisputeFunding { pending_minor: -1, available_minor: 0, negative_balance_minor: 11_501 };
    assert!(postings::dispute_withdrawn(&DisputeWithdrawal { funding: crooked, ..withdrawal }).is_err());
    let owed = DisputeFunding { pending_minor: 0, available_minor: 0, negative_balance_minor: 11_500 };
    books.post(postings::dispute_withdrawn(&DisputeWithdrawal { funding: owed, ..withdrawal }).unwrap());
    assert_eq!(books.merchant_reads(AccountKind::NegativeBalance), 11_500);
    // Repaying more than the available balance holds is refused like any overdraft.
    let repay = postings::negative_balance_repaid(&dispute, &merchant, usd(1)).unwrap();
    books.ledger.open_accounts_for(&repay);
    assert!(matches!(refusal(books.ledger.execute(&repay)).1, TransferError::ExceedsCredits { .. }));
}

#[test]
fn settlement_holds_a_rolling_reserve_until_released() {
    let mut books = Books::new();
    books.capture("pi_1", 10_000, 320, CaptureMethod::Automatic);
    books.settle("pi_1", 9_680, 1_000);
    assert_eq!(books.merchant_reads(AccountKind::Pending), 0);
    assert_eq!(books.merchant_reads(AccountKind::Available), 8_712);
    assert_eq!(books.merchant_reads(AccountKind::Reserve), 968);
    let merchant = books.merchant.clone();
    books.post(postings::reserve_release(&source("pi_1"), &merchant, usd(968)).unwrap());
    assert_eq!(books.merchant_reads(AccountKind::Available), 9_680);
    assert_eq!(books.merchant_reads(AccountKind::Reserve), 0);
    assert_eq!(postings::settlement(&source("pi_2"), &merchant, usd(100), 10_000).map(|t| t.len()), Ok(1));
}

#[test]
fn payouts_move_through_transit_to_the_bank_or_back() {
    let mut books = Books::new();
    books.capture("pi_1", 10_000, 0, CaptureMethod::Automatic);
    books.settle("pi_1", 10_000, 0);
    let merchant = books.merchant.clone();
    books.post(postings::payout_created(&source("po_1"), &merchant, usd(6_000)).unwrap());
    assert_eq!(books.merchant_reads(AccountKind::PayoutsInTransit), 6_000);
    books.post(postings::payout_paid(&source("po_1"), &merchant, usd(6_000)).unwrap());
    assert_eq!(books.merchant_reads(AccountKind::PayoutsInTransit), 0);
    assert_eq!(books.platform_reads(AccountKind::PlatformBank), -6_000);
    books.post(postings::connector_settlement(&source("st_1"), &connector(), usd(10_000)).unwrap());
    assert_eq!(books.platform_reads(AccountKind::PlatformBank), 4_000);
    assert_eq!(books.clearing_reads(), 0);

    books.post(postings::payout_created(&source("po_2"), &merchant, usd(4_000)).unwrap());
    books.post(postings::payout_failed(&source("po_2"), &merchant, usd(4_000)).unwrap());
    assert_eq!(books.merchant_reads(AccountKind::Available), 4_000);
    // A payout cannot both fail and be paid: the money is no longer in transit.
    let paid = postings::payout_paid(&source("po_2"), &merchant, usd(4_000)).unwrap();
    assert!(matches!(refusal(books.ledger.execute(&paid)).1, TransferError::ExceedsCredits { .. }));
}

#[test]
fn a_conversion_meets_in_the_fx_positions() {
    let mut books = Books::new();
    books.capture("pi_1", 10_000, 0, CaptureMethod::Automatic);
    books.settle("pi_1", 10_000, 0);
    let merchant = books.merchant.clone();
    let euros = Money::new(4_500, currency("EUR"));
    books.post(postings::fx_conversion(&source("conv_1"), &merchant, usd(5_000), euros).unwrap());
    assert_eq!(books.merchant_reads(AccountKind::Available), 5_000);
    assert_eq!(balance(&books.ledger, &merchant_account(&merchant, AccountKind::Available, "EUR")), 4_500);
    assert_eq!(books.platform_reads(AccountKind::FxPosition), 5_000);
    assert_eq!(balance(&books.ledger, &platform_account(AccountKind::FxPosition, "EUR")), -4_500);
}

#[test]
fn a_converted_capture_settles_in_the_merchants_currency_and_refunds_back_through_the_fx_positions() {
    let mut books = Books::new();
    let merchant = books.merchant.clone();
    let eur = |minor| Money::new(minor, currency("EUR"));
    let eur_reads = |books: &Books, kind| balance(&books.ledger, &merchant_account(&merchant, kind, "EUR"));
    let payment = source("pi_1");
    // 100.00 USD paid, settled as 91.00 EUR with a 3.00 EUR fee; manual, so the hold is posted.
    books.post(postings::authorization_hold(&payment, &merchant, &connector(), usd(10_000)).unwrap());
    let capture = postings::ConvertedCapture {
        payment: &payment,
        merchant: &merchant,
        connector: &connector(),
        amount: usd(10_000),
        settled: eur(9_100),
        fee: eur(300),
        method: CaptureMethod::Manual,
    };
    books.post(postings::converted_capture(&capture).unwrap());
    assert_eq!(books.merchant_reads(AccountKind::Pending), 0, "nothing stays in the buyer's currency");
    assert_eq!(eur_reads(&books, AccountKind::Pending), 8_800);
    assert_eq!(eur_reads(&books, AccountKind::FeesPaid), 300);
    assert_eq!(books.clearing_reads(), 10_000);
    assert_eq!(books.platform_reads(AccountKind::FxPosition), 10_000);
    assert_eq!(balance(&books.ledger, &platform_account(AccountKind::FxPosition, "EUR")), -9_100);

    // A 40.00 USD refund costs 36.40 EUR and gives back 1.20 EUR of the fee.
    let refund = source("re_1");
    books.post(
        postings::converted_refund(&postings::ConvertedRefund {
            refund: &refund,
            merchant: &merchant,
            connector: &connector(),
            amount: usd(4_000),
            settled: eur(3_640),
            fee_returned: eur(120),
            from: MerchantBalance::Pending,
        })
        .unwrap(),
    );
    assert_eq!(eur_reads(&books, AccountKind::Pending), 8_800 - 3_640 + 120);
    assert_eq!(eur_reads(&books, AccountKind::FeesPaid), 180);
    assert_eq!(books.clearing_reads(), 6_000);
    assert_eq!(books.platform_reads(AccountKind::FxPosition), 6_000);
    assert_eq!(balance(&books.ledger, &platform_account(AccountKind::FxPosition, "EUR")), -9_100 + 3_640);

    // One currency on both sides is not a conversion.
    let same = postings::ConvertedCapture { settled: usd(10_000), fee: usd(0), ..capture };
    assert!(matches!(postings::converted_capture(&same), Err(PostingError::SameCurrencyConversion { .. })));
    let fee_too_big = postings::ConvertedCapture { fee: eur(9_101), ..capture };
    assert!(matches!(postings::converted_capture(&fee_too_big), Err(PostingError::FeeExceedsAmount { .. })));
}

#[test]
fn recipes_refuse_bad_amounts() {
    let merchant = merchant('1');
    let payment = source("pi_1");
    let capture = |amount: Money, fee: Money| {
        postings::capture(&Capture {
            payment: &payment,
            merchant: &merchant,
            connector: &connector(),
            amount,
            fee,
            method: CaptureMethod::Automatic,
        })
    };
    assert_eq!(capture(usd(0), usd(0)).unwrap_err(), PostingError::AmountMustBePositive { amount_minor: 0 });
    assert_eq!(capture(usd(100), usd(-1)).unwrap_err(), PostingError::FeeMustNotBeNegative { fee_minor: -1 });
    assert_eq!(
        capture(usd(100), usd(101)).unwrap_err(),
        PostingError::FeeExceedsAmount { fee_minor: 101, amount_minor: 100 }
    );
    let euro_fee = Money::new(1, currency("EUR"));
    assert!(matches!(capture(usd(100), euro_fee).unwrap_err(), PostingError::CurrencyMismatch { .. }));
    assert_eq!(capture(usd(100), usd(0)).map(|transfers| transfers.len()), Ok(1));
    assert!(matches!(
        postings::fx_conversion(&payment, &merchant, usd(1), usd(1)),
        Err(PostingError::SameCurrencyConversion { .. })
    ));
    assert_eq!(
        reserve_share(usd(100), 10_001),
        Err(PostingError::ReserveBasisPointsOutOfRange { basis_points: 10_001 })
    );
    let over = FeeRefund::Proportional { fee_minor: 30, captured_minor: 1_000, refunded_before_minor: 900 };
    assert!(matches!(over.amount_minor(101), Err(PostingError::RefundExceedsCaptured { .. })));
    assert_eq!(over.amount_minor(100), Ok(3));
}

/// The storage layer writes a batch by increments, without locking the merchant's rows
/// for the whole transaction, only when no limit check depended on the balances read.
#[test]
fn a_capture_lowers_no_headroom_and_a_refund_does() {
    let mut books = Books::new();
    let merchant = books.merchant.clone();
    let payment = source("pi_1");
    let capture = postings::capture(&Capture {
        payment: &payment,
        merchant: &merchant,
        connector: &connector(),
        amount: usd(10_000),
        fee: usd(320),
        method: CaptureMethod::Automatic,
    })
    .unwrap();
    books.ledger.open_accounts_for(&capture);
    let plan = tradewind_ledger::plan(&books.ledger, &capture).unwrap();
    assert!(plan.accounts().iter().all(|change| !change.headroom_lowered), "{plan:?}");
    books.post(capture);

    let refund = postings::refund(&Refund {
        refund: &source("re_1"),
        merchant: &merchant,
        connector: &connector(),
        amount: usd(5_000),
        from: MerchantBalance::Pending,
        fee_refund: FeeRefund::None,
    })
    .unwrap();
    let plan = tradewind_ledger::plan(&books.ledger, &refund).unwrap();
    let lowered: Vec<String> =
        plan.accounts().iter().filter(|change| change.headroom_lowered).map(|change| change.id.to_string()).collect();
    assert_eq!(lowered, [merchant_account(&merchant, AccountKind::Pending, "USD").to_string()]);
}
