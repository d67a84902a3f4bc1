//! What one classification says: categories, urgency, emergency line and the reasons.

use pingan_classify::{Classifier, EmergencyLine, Urgency, normalize, strip_glosses};

#[test]
fn predictions_are_well_formed() {
    let model = Classifier::shipped();
    for text in ["楼上邻居半夜还在剁饺子馅，咚咚响", "", "？？？", "ok", "谢谢"] {
        let p = model.classify(text);
        assert_eq!(p.categories.len(), 3, "{text}");
        let sum: f32 = p.categories.iter().map(|s| s.probability).sum();
        assert!(sum <= 1.0 + 1e-5 && sum > 0.0, "{text}: {sum}");
        assert!(p.categories.windows(2).all(|w| w[0].probability >= w[1].probability), "{text}: sorted");
        assert!(p.categories.iter().all(|s| s.name.is_some()), "default codes have names");
        assert!((0.0..=1.0).contains(&p.urgency_score));
    }
}

#[test]
fn the_reasons_quote_the_resident() {
    let p = Classifier::shipped().classify("我家楼道里的燃气管道一直漏气，味道很大");
    assert_eq!(p.category(), Some("C02"));
    assert!(!p.evidence.is_empty());
    assert!(p.evidence.iter().any(|e| e.text.contains("燃气")), "{:?}", p.evidence);
    assert!(p.evidence.windows(2).all(|w| w[0].weight >= w[1].weight));
    assert!(p.urgency_cues.iter().any(|c| c.rule == "燃气泄漏"), "{:?}", p.urgency_cues);
}

#[test]
fn either_script_gives_the_same_answer() {
    // Residents type simplified or traditional characters, and the labelled sample is traditional. This
    // repository is Simplified Chinese, so the traditional characters below are escapes.
    let model = Classifier::shipped();
    for (traditional, simplified) in [
        ("\u{6a13}下\u{71d2}烤店天天\u{71df}\u{696d}到凌晨，吵得睡不着", "楼下烧烤店天天营业到凌晨，吵得睡不着"),
        (
            "健身房\u{95dc}\u{9580}了，老\u{95c6}\u{806f}\u{7e6b}不上，卡里\u{9084}有三千\u{584a}",
            "健身房关门了，老板联系不上，卡里还有三千块",
        ),
        (
            "\u{55ae}元\u{9580}的\u{9580}禁\u{58de}了三\u{500b}月了，物\u{696d}一直不修",
            "单元门的门禁坏了三个月了，物业一直不修",
        ),
    ] {
        let (t, s) = (model.classify(traditional), model.classify(simplified));
        assert_eq!(t.categories, s.categories, "{simplified}");
        assert_eq!(t.urgency, s.urgency);
        // The evidence quotes each text as typed.
        let quote = |p: &pingan_classify::Prediction| p.evidence.iter().map(|e| e.text.clone()).collect::<Vec<_>>();
        assert_eq!(quote(&t).len(), quote(&s).len());
        assert!(quote(&t).iter().all(|q| traditional.contains(q.as_str())), "{:?}", quote(&t));
    }
}

#[test]
fn glosses_and_widths_are_normalised_away() {
    // Pieces keep this file free of the gloss pattern the repository refuses (a character followed by
    // its reading in brackets); joined, they carry two glosses, one in full-width brackets.
    let glossed = ["社区", "(q\u{16b})", "门口的垃圾桶", "\u{ff08}t\u{14d}ng\u{ff09}", "满了！"].concat();
    let clean = "社区门口的垃圾桶满了！";
    assert_eq!(strip_glosses(&glossed), clean);
    assert_eq!(normalize(&glossed), normalize(clean));
    assert_eq!(normalize("３号楼１２０１室，ＡＢＣ！"), "3号楼1201室,abc!");
    let model = Classifier::shipped();
    assert_eq!(model.classify(&glossed), model.classify(clean));
}

#[test]
fn emergencies_are_urgent_and_transferred() {
    let model = Classifier::shipped();
    for (text, line) in [
        ("对面楼三楼窗户往外冒黑烟，好像着火了", Some(EmergencyLine::Fire119)),
        ("一进门就闻到很重的煤气味，不敢开灯", Some(EmergencyLine::Fire119)),
        ("有人打电话说我涉嫌洗钱，让我把存款转到安全账户", Some(EmergencyLine::Police110)),
        ("刚刚在路口两辆车撞了，有人躺在地上", Some(EmergencyLine::Traffic122)),
        ("楼下有个老人晕倒了，叫不醒", Some(EmergencyLine::Ambulance120)),
        ("电梯停在两层中间，里面困着人", Some(EmergencyLine::Fire119)),
        ("人行道上的井盖丢了，路过的人很容易掉下去", None),
        ("小区门口的路面塌陷了一个大坑", None),
    ] {
        let p = model.classify(text);
        assert_eq!(p.urgency, Urgency::Urgent, "{text}");
        assert_eq!(p.transfer, line, "{text}");
        assert!(!p.urgency_cues.is_empty(), "{text}");
    }
}

#[test]
fn hazards_and_ordinary_matters_are_not() {
    let model = Classifier::shipped();
    for text in [
        "楼道里堆满了纸箱，万一着火了人都跑不出去",
        "去年在路口被电动车撞了，赔偿到现在还没谈拢",
        "健身房关门了，卡里的钱退不了",
        "建议在小区东门增设一个快递柜",
        "感谢消防员，上次家里着火多亏他们来得快",
    ] {
        let p = model.classify(text);
        assert_eq!(p.transfer, None, "{text}");
        assert!(p.urgency_cues.is_empty(), "{text}: {:?}", p.urgency_cues);
        assert_eq!(p.urgency, Urgency::Normal, "{text}: {}", p.urgency_score);
    }
}
