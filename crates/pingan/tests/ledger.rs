//! The ledger's storage on both engines: appends in batches give the tree the definition gives,
//! every stored proof verifies, checkpoints are signed once per size with a key every instance
//! shares, and concurrent appends from two instances make one history.

mod common;

use common::TestApp;
use pingan_ledger::hash::root_of;
use pingan_ledger::note::{Checkpoint, NoteVerifier, open};
use pingan_ledger::{leaf_hash, verify_consistency, verify_inclusion};
use pingan_store::StoreError;

fn entry(i: usize) -> Vec<u8> {
    format!("{{\"kind\":\"test\",\"n\":{i}}}").into_bytes()
}

on_both_engines!(appended_entries_make_the_tree_and_every_proof_verifies, |app: TestApp| async move {
    let store = &app.store;
    let head = store.ledger_head("audit").await.unwrap();
    assert_eq!((head.size, head.root), (0, pingan_ledger::EMPTY_ROOT));
    let mut leaves = Vec::new();
    let mut heads = vec![head];
    for batch in [1usize, 1, 5, 1, 16, 100, 3, 250, 1] {
        let entries: Vec<Vec<u8>> = (leaves.len()..leaves.len() + batch).map(entry).collect();
        let (head, first) = store.ledger_append("audit", &entries).await.unwrap();
        assert_eq!(first as usize, leaves.len());
        leaves.extend(entries.iter().map(|e| leaf_hash(e)));
        assert_eq!((head.size as usize, head.root), (leaves.len(), root_of(&leaves)), "after {} entries", leaves.len());
        heads.push(head);
    }
    let n = leaves.len() as u64;
    assert_eq!(store.ledger_entry("audit", 17).await.unwrap(), entry(17));
    // Every earlier head is still the root of its prefix, and the current tree extends it.
    for h in &heads {
        assert_eq!(store.ledger_root("audit", h.size).await.unwrap(), h.root);
        let proof = store.ledger_consistency("audit", h.size, n).await.unwrap();
        verify_consistency(h.size, n, &h.root, &heads.last().unwrap().root, &proof).unwrap();
    }
    for (index, size) in [(0, 1), (0, n), (n - 1, n), (17, 64), (200, 300), (300, n)] {
        let proof = store.ledger_inclusion("audit", index, size).await.unwrap();
        let root = root_of(&leaves[..size as usize]);
        verify_inclusion(index, size, &leaves[index as usize], &proof, &root).unwrap();
    }
    // Bad requests are refused by name; the other log is its own.
    assert!(matches!(store.ledger_inclusion("audit", 5, n + 1).await, Err(StoreError::Invalid(_))));
    assert!(matches!(store.ledger_inclusion("audit", 9, 9).await, Err(StoreError::Invalid(_))));
    assert!(matches!(store.ledger_consistency("audit", 9, 3).await, Err(StoreError::Invalid(_))));
    assert!(matches!(store.ledger_head("payroll").await, Err(StoreError::NotFound)));
    assert_eq!(store.ledger_head("prepaid").await.unwrap().size, 0);
});

on_both_engines!(checkpoints_are_signed_once_per_size_with_a_shared_key, |app: TestApp| async move {
    let other = app.second_instance().await;
    let signer = app.store.ledger_signer("pingan.test/audit", None).await.unwrap();
    let again = other.store.ledger_signer("pingan.test/audit", None).await.unwrap();
    assert_eq!(signer.verifier_key(), again.verifier_key(), "every instance signs with the database's key");
    let verifier = NoteVerifier::parse(&signer.verifier_key()).unwrap();

    app.store.ledger_append("audit", &(0..10).map(entry).collect::<Vec<_>>()).await.unwrap();
    let first = app.store.ledger_checkpoint("audit", &signer).await.unwrap();
    let cp = Checkpoint::parse(open(&first.note, &verifier).unwrap()).unwrap();
    assert_eq!((cp.size, cp.origin.as_str()), (10, "pingan.test/audit"));
    assert_eq!(
        other.store.ledger_checkpoint("audit", &again).await.unwrap(),
        first,
        "nothing new: the same checkpoint"
    );

    // Two instances append at once: one history, and each checkpoint extends the last.
    let mut tasks = Vec::new();
    for t in 0..8 {
        let store = if t % 2 == 0 { app.store.clone() } else { other.store.clone() };
        tasks.push(tokio::spawn(async move {
            for k in 0..5 {
                let entries: Vec<Vec<u8>> = (0..3).map(|j| entry(1000 + t * 100 + k * 10 + j)).collect();
                store.ledger_append("audit", &entries).await.unwrap();
            }
        }));
    }
    let mut signed = vec![first];
    for _ in 0..5 {
        signed.push(app.store.ledger_checkpoint("audit", &signer).await.unwrap());
        tokio::task::yield_now().await;
    }
    for t in tasks {
        t.await.unwrap();
    }
    signed.push(other.store.ledger_checkpoint("audit", &again).await.unwrap());
    let head = app.store.ledger_head("audit").await.unwrap();
    assert_eq!(head.size, 10 + 8 * 5 * 3);
    let mut leaves = Vec::new();
    for i in 0..head.size {
        leaves.push(leaf_hash(&app.store.ledger_entry("audit", i).await.unwrap()));
    }
    assert_eq!(root_of(&leaves), head.root);
    let last = Checkpoint::parse(open(&signed.last().unwrap().note, &verifier).unwrap()).unwrap();
    assert_eq!((last.size, last.root), (head.size, head.root));
    for s in &signed {
        let cp = Checkpoint::parse(open(&s.note, &verifier).unwrap()).unwrap();
        let proof = app.store.ledger_consistency("audit", cp.size, last.size).await.unwrap();
        verify_consistency(cp.size, last.size, &cp.root, &last.root, &proof).unwrap();
    }
});
