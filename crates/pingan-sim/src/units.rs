//! Social units (社會單位) of the 34 safe-creation industries: how common each
//! industry is, where its units are found and what they are called.

use crate::names::{brand, surname, zh_number};
use pingan_domain::org::INDUSTRIES;
use rand::Rng;
use rand::seq::SliceRandom;

/// Where units of an industry are found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Setting {
    /// Anywhere, though more often in communities (towns are denser than the countryside).
    Anywhere,
    /// Only in communities (shopping malls, internet cafés …).
    Urban,
    /// Only in villages (farmers' cooperatives, explosives depots …).
    Rural,
}

/// Relative frequency and setting per industry, in the order of [`INDUSTRIES`].
/// Enterprises, shops and restaurants are many; explosives firms and bus stations few.
const PROFILE: [(f64, Setting); 34] = [
    (3.0, Setting::Anywhere),  // I01 平安校園
    (3.0, Setting::Anywhere),  // I02 平安醫院 (incl. clinics and village health rooms)
    (1.5, Setting::Anywhere),  // I03 平安交通
    (12.0, Setting::Anywhere), // I04 平安企業
    (0.4, Setting::Anywhere),  // I05 平安景區
    (6.0, Setting::Anywhere),  // I06 平安市場
    (4.0, Setting::Urban),     // I07 兩新組織
    (1.5, Setting::Urban),     // I08 平安物業
    (4.0, Setting::Anywhere),  // I09 平安寄遞物流
    (2.0, Setting::Anywhere),  // I10 平安金融網點
    (1.5, Setting::Anywhere),  // I11 平安加油站
    (0.8, Setting::Anywhere),  // I12 平安燃氣
    (0.5, Setting::Anywhere),  // I13 平安電力
    (0.6, Setting::Anywhere),  // I14 平安水利
    (2.0, Setting::Anywhere),  // I15 平安工地
    (0.5, Setting::Rural),     // I16 平安危化品企業
    (3.0, Setting::Anywhere),  // I17 平安旅館
    (1.0, Setting::Urban),     // I18 平安商場
    (8.0, Setting::Anywhere),  // I19 平安超市
    (12.0, Setting::Anywhere), // I20 平安餐飲
    (1.0, Setting::Urban),     // I21 平安娛樂場所
    (1.0, Setting::Urban),     // I22 平安網吧
    (1.0, Setting::Anywhere),  // I23 平安文化場館
    (1.0, Setting::Anywhere),  // I24 平安體育場館
    (1.5, Setting::Anywhere),  // I25 平安養老機構
    (3.0, Setting::Anywhere),  // I26 平安幼兒園
    (2.0, Setting::Urban),     // I27 平安培訓機構
    (0.4, Setting::Anywhere),  // I28 平安宗教場所
    (2.0, Setting::Anywhere),  // I29 平安機關
    (5.0, Setting::Rural),     // I30 平安農業合作社
    (0.3, Setting::Anywhere),  // I31 平安汽車站
    (1.5, Setting::Urban),     // I32 平安停車場
    (0.1, Setting::Rural),     // I33 平安民爆企業
    (2.0, Setting::Anywhere),  // I34 平安通信網點
];

/// Relative frequency of each industry, in the order of [`INDUSTRIES`].
pub(crate) fn weights() -> impl Iterator<Item = f64> {
    PROFILE.iter().map(|p| p.0)
}

pub(crate) fn setting(industry: usize) -> Setting {
    PROFILE[industry].1
}

/// Where a unit is, for its name.
pub(crate) struct Place<'a> {
    /// 德州市 or the county, e.g. 德城區.
    pub(crate) county: &'a str,
    /// The township's stem, e.g. 新湖.
    pub(crate) township: &'a str,
    /// The village's or community's stem, e.g. 王莊.
    pub(crate) village: &'a str,
}

#[rustfmt::skip]
const PRODUCTS: &[&str] = &[
    "機械", "紡織", "食品", "建材", "電子", "新材料", "科技", "體育器材", "家具", "太陽能", "空調設備",
    "汽車配件", "化纖", "塑料制品", "五金", "農業科技", "生物科技", "玻璃鋼", "包裝", "服裝",
];
const CROPS: &[&str] = &["小麥", "玉米", "棉花", "蔬菜", "西瓜", "金絲小棗", "葡萄", "食用菌", "苗木", "桃"];
const LIVESTOCK: &[&str] = &["生豬", "肉雞", "奶牛", "肉牛", "蛋雞", "肉羊"];
const EXPRESS: &[&str] = &["順豐速運", "中通快遞", "圓通速遞", "韻達快遞", "申通快遞", "郵政快遞", "極兔速遞"];
const BANKS: &[&str] = &["中國農業銀行", "中國工商銀行", "中國建設銀行", "中國銀行", "德州銀行", "中國郵政儲蓄銀行"];
const CARRIERS: &[&str] = &["中國移動", "中國聯通", "中國電信", "中國廣電"];
#[rustfmt::skip]
const AGENCIES: &[&str] = &[
    "財政局", "自然資源局", "統計局", "農業農村局", "審計局", "商務局", "水利局",
    "文化和旅游局", "退役軍人事務局", "稅務局", "發展和改革局",
];

fn pick<R: Rng>(rng: &mut R, list: &[&'static str]) -> &'static str {
    list.choose(rng).expect("non-empty")
}

/// A plausible name for a unit of `industry` (an index into [`INDUSTRIES`]).
/// Names need not be unique: there are many 王記扒雞 in Dezhou.
pub(crate) fn name(rng: &mut impl Rng, industry: usize, place: &Place) -> String {
    let Place { county, township, village } = *place;
    let b = brand(rng);
    let n = zh_number(rng.gen_range(1..=12));
    let variant = rng.gen_range(0..4);
    match INDUSTRIES[industry].0 {
        "I01" => match variant {
            0 => format!("{county}第{n}中學"),
            1 => format!("{county}第{n}實驗小學"),
            2 => format!("{township}中心小學"),
            _ => format!("{village}小學"),
        },
        "I02" => match variant {
            0 => format!("{township}衛生院"),
            1 => format!("{village}衛生室"),
            2 => format!("{b}診所"),
            _ => format!("德州{b}醫院"),
        },
        "I03" => match variant {
            0 | 1 => format!("德州{b}運輸有限公司"),
            2 => format!("{county}{b}出租汽車有限公司"),
            _ => format!("{county}公交公司第{n}車隊"),
        },
        "I04" => format!("德州{b}{}有限公司", pick(rng, PRODUCTS)),
        "I05" => match variant {
            0 => format!("{b}生態園"),
            1 => format!("{township}濕地公園"),
            2 => format!("{village}采摘園"),
            _ => format!("{township}森林公園"),
        },
        "I06" => match variant {
            0 => format!("{township}農貿市場"),
            1 => format!("{village}集貿市場"),
            2 => format!("{b}蔬菜批發市場"),
            _ => format!("{township}大集"),
        },
        "I07" => match variant {
            0 => format!("德州{b}網絡科技有限公司"),
            1 => format!("{county}{b}社會工作服務中心"),
            2 => format!("{township}志愿者協會"),
            _ => format!("山東{b}律師事務所"),
        },
        "I08" => format!("德州{b}物業服務有限公司"),
        "I09" => match variant {
            0 | 1 => format!("{}{township}營業部", pick(rng, EXPRESS)),
            2 => format!("{village}快遞驛站"),
            _ => format!("德州{b}物流有限公司"),
        },
        "I10" => match variant {
            0 => format!("{county}農村商業銀行{township}支行"),
            _ => format!("{}德州{township}支行", pick(rng, BANKS)),
        },
        "I11" => match variant {
            0 | 1 => format!("中國石化{township}加油站"),
            2 => format!("中國石油{village}加油站"),
            _ => format!("{b}加油站"),
        },
        "I12" => match variant {
            0 => format!("{county}{b}燃氣有限公司"),
            _ => format!("{township}液化氣供應站"),
        },
        "I13" => match variant {
            0 | 1 => format!("國網{county}供電公司{township}供電所"),
            _ => format!("{village}110千伏變電站"),
        },
        "I14" => match variant {
            0 => format!("{township}自來水廠"),
            1 => format!("{village}揚水站"),
            2 => format!("{township}污水處理廠"),
            _ => format!("{county}{b}供水有限公司"),
        },
        "I15" => match variant {
            0 => format!("{b}置業{village}項目工地"),
            1 => format!("{township}道路改造工程"),
            _ => format!("{b}家園{n}期建設工地"),
        },
        "I16" => match variant {
            0 | 1 => format!("德州{b}化工有限公司"),
            _ => format!("德州{b}化學品倉儲有限公司"),
        },
        "I17" => match variant {
            0 => format!("{b}賓館"),
            1 => format!("{b}大酒店"),
            2 => format!("{township}快捷酒店"),
            _ => format!("{b}商務酒店"),
        },
        "I18" => match variant {
            0 | 1 => format!("{b}購物廣場"),
            2 => format!("德州{b}百貨大樓"),
            _ => format!("{b}商業廣場"),
        },
        "I19" => match variant {
            0 | 1 => format!("{b}超市"),
            2 => format!("{village}便民超市"),
            _ => format!("{b}生活超市{township}店"),
        },
        "I20" => match variant {
            0 => format!("{b}飯店"),
            1 => format!("{}記扒雞店", surname(rng)),
            2 => format!("{township}羊湯館"),
            _ => format!("{}家水餃", surname(rng)),
        },
        "I21" => match variant {
            0 | 1 => format!("{b}量販式KTV"),
            2 => format!("{b}游樂場"),
            _ => format!("{b}電玩城"),
        },
        "I22" => match variant {
            0 | 1 => format!("{b}網吧"),
            _ => format!("{b}網咖"),
        },
        "I23" => match variant {
            0 => format!("{county}圖書館"),
            1 => format!("{township}綜合文化站"),
            2 => format!("{b}影城"),
            _ => format!("{village}文化大院"),
        },
        "I24" => match variant {
            0 => format!("{county}體育館"),
            1 => format!("{township}全民健身中心"),
            2 => format!("{b}游泳館"),
            _ => format!("{b}健身房"),
        },
        "I25" => match variant {
            0 => format!("{township}敬老院"),
            1 => format!("{b}養老院"),
            2 => format!("{village}幸福院"),
            _ => format!("{b}康養中心"),
        },
        "I26" => match variant {
            0 => format!("{township}中心幼兒園"),
            1 => format!("{county}第{n}實驗幼兒園"),
            2 => format!("{b}幼兒園"),
            _ => format!("{village}幼兒園"),
        },
        "I27" => match variant {
            0 => format!("{b}教育培訓學校"),
            1 => format!("{b}駕駛員培訓學校"),
            2 => format!("{b}職業技能培訓學校"),
            _ => format!("{b}藝術培訓中心"),
        },
        "I28" => match variant {
            0 | 1 => format!("{village}清真寺"),
            2 => format!("{village}基督教堂"),
            _ => format!("{township}天主堂"),
        },
        "I29" => match variant {
            0 | 1 => format!("{county}{}", pick(rng, AGENCIES)),
            2 => format!("{township}便民服務中心"),
            _ => format!("{township}財政所"),
        },
        "I30" => match variant {
            0 | 1 => format!("{county}{village}{}種植專業合作社", pick(rng, CROPS)),
            2 => format!("{county}{village}{}養殖專業合作社", pick(rng, LIVESTOCK)),
            _ => format!("{county}{b}農機專業合作社"),
        },
        "I31" => match variant {
            0 => format!("{county}汽車站"),
            1 | 2 => format!("{township}客運站"),
            _ => format!("{township}公交首末站"),
        },
        "I32" => match variant {
            0 | 1 => format!("{b}停車場"),
            2 => format!("{village}公共停車場"),
            _ => format!("{b}小區地下停車場"),
        },
        "I33" => match variant {
            0 | 1 => format!("{county}{b}民爆器材有限公司"),
            _ => format!("德州{b}爆破工程有限公司"),
        },
        _ => format!("{}{township}營業廳", pick(rng, CARRIERS)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn every_industry_has_names() {
        assert_eq!(PROFILE.len(), INDUSTRIES.len());
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let place = Place { county: "德城區", township: "新湖", village: "王莊" };
        for industry in 0..INDUSTRIES.len() {
            let name = name(&mut rng, industry, &place);
            assert!(name.chars().count() >= 3, "{name}");
        }
    }
}
