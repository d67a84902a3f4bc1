//! Social units (社会单位) of the 34 safe-creation industries: how common each
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
    (3.0, Setting::Anywhere),  // I01 平安校园
    (3.0, Setting::Anywhere),  // I02 平安医院 (incl. clinics and village health rooms)
    (1.5, Setting::Anywhere),  // I03 平安交通
    (12.0, Setting::Anywhere), // I04 平安企业
    (0.4, Setting::Anywhere),  // I05 平安景区
    (6.0, Setting::Anywhere),  // I06 平安市场
    (4.0, Setting::Urban),     // I07 两新组织
    (1.5, Setting::Urban),     // I08 平安物业
    (4.0, Setting::Anywhere),  // I09 平安寄递物流
    (2.0, Setting::Anywhere),  // I10 平安金融网点
    (1.5, Setting::Anywhere),  // I11 平安加油站
    (0.8, Setting::Anywhere),  // I12 平安燃气
    (0.5, Setting::Anywhere),  // I13 平安电力
    (0.6, Setting::Anywhere),  // I14 平安水利
    (2.0, Setting::Anywhere),  // I15 平安工地
    (0.5, Setting::Rural),     // I16 平安危化品企业
    (3.0, Setting::Anywhere),  // I17 平安旅馆
    (1.0, Setting::Urban),     // I18 平安商场
    (8.0, Setting::Anywhere),  // I19 平安超市
    (12.0, Setting::Anywhere), // I20 平安餐饮
    (1.0, Setting::Urban),     // I21 平安娱乐场所
    (1.0, Setting::Urban),     // I22 平安网吧
    (1.0, Setting::Anywhere),  // I23 平安文化场馆
    (1.0, Setting::Anywhere),  // I24 平安体育场馆
    (1.5, Setting::Anywhere),  // I25 平安养老机构
    (3.0, Setting::Anywhere),  // I26 平安幼儿园
    (2.0, Setting::Urban),     // I27 平安培训机构
    (0.4, Setting::Anywhere),  // I28 平安宗教场所
    (2.0, Setting::Anywhere),  // I29 平安机关
    (5.0, Setting::Rural),     // I30 平安农业合作社
    (0.3, Setting::Anywhere),  // I31 平安汽车站
    (1.5, Setting::Urban),     // I32 平安停车场
    (0.1, Setting::Rural),     // I33 平安民爆企业
    (2.0, Setting::Anywhere),  // I34 平安通信网点
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
    /// 德州市 or the county, e.g. 德城区.
    pub(crate) county: &'a str,
    /// The township's stem, e.g. 新湖.
    pub(crate) township: &'a str,
    /// The village's or community's stem, e.g. 王庄.
    pub(crate) village: &'a str,
}

#[rustfmt::skip]
const PRODUCTS: &[&str] = &[
    "机械", "纺织", "食品", "建材", "电子", "新材料", "科技", "体育器材", "家具", "太阳能", "空调设备",
    "汽车配件", "化纤", "塑料制品", "五金", "农业科技", "生物科技", "玻璃钢", "包装", "服装",
];
const CROPS: &[&str] = &["小麦", "玉米", "棉花", "蔬菜", "西瓜", "金丝小枣", "葡萄", "食用菌", "苗木", "桃"];
const LIVESTOCK: &[&str] = &["生猪", "肉鸡", "奶牛", "肉牛", "蛋鸡", "肉羊"];
const EXPRESS: &[&str] = &["顺丰速运", "中通快递", "圆通速递", "韵达快递", "申通快递", "邮政快递", "极兔速递"];
const BANKS: &[&str] = &["中国农业银行", "中国工商银行", "中国建设银行", "中国银行", "德州银行", "中国邮政储蓄银行"];
const CARRIERS: &[&str] = &["中国移动", "中国联通", "中国电信", "中国广电"];
#[rustfmt::skip]
const AGENCIES: &[&str] = &[
    "财政局", "自然资源局", "统计局", "农业农村局", "审计局", "商务局", "水利局",
    "文化和旅游局", "退役军人事务局", "税务局", "发展和改革局",
];

fn pick<R: Rng>(rng: &mut R, list: &[&'static str]) -> &'static str {
    list.choose(rng).expect("non-empty")
}

/// A plausible name for a unit of `industry` (an index into [`INDUSTRIES`]).
/// Names need not be unique: there are many 王记扒鸡 in Dezhou.
pub(crate) fn name(rng: &mut impl Rng, industry: usize, place: &Place) -> String {
    let Place { county, township, village } = *place;
    let b = brand(rng);
    let n = zh_number(rng.gen_range(1..=12));
    let variant = rng.gen_range(0..4);
    match INDUSTRIES[industry].0 {
        "I01" => match variant {
            0 => format!("{county}第{n}中学"),
            1 => format!("{county}第{n}实验小学"),
            2 => format!("{township}中心小学"),
            _ => format!("{village}小学"),
        },
        "I02" => match variant {
            0 => format!("{township}卫生院"),
            1 => format!("{village}卫生室"),
            2 => format!("{b}诊所"),
            _ => format!("德州{b}医院"),
        },
        "I03" => match variant {
            0 | 1 => format!("德州{b}运输有限公司"),
            2 => format!("{county}{b}出租汽车有限公司"),
            _ => format!("{county}公交公司第{n}车队"),
        },
        "I04" => format!("德州{b}{}有限公司", pick(rng, PRODUCTS)),
        "I05" => match variant {
            0 => format!("{b}生态园"),
            1 => format!("{township}湿地公园"),
            2 => format!("{village}采摘园"),
            _ => format!("{township}森林公园"),
        },
        "I06" => match variant {
            0 => format!("{township}农贸市场"),
            1 => format!("{village}集贸市场"),
            2 => format!("{b}蔬菜批发市场"),
            _ => format!("{township}大集"),
        },
        "I07" => match variant {
            0 => format!("德州{b}网络科技有限公司"),
            1 => format!("{county}{b}社会工作服务中心"),
            2 => format!("{township}志愿者协会"),
            _ => format!("山东{b}律师事务所"),
        },
        "I08" => format!("德州{b}物业服务有限公司"),
        "I09" => match variant {
            0 | 1 => format!("{}{township}营业部", pick(rng, EXPRESS)),
            2 => format!("{village}快递驿站"),
            _ => format!("德州{b}物流有限公司"),
        },
        "I10" => match variant {
            0 => format!("{county}农村商业银行{township}支行"),
            _ => format!("{}德州{township}支行", pick(rng, BANKS)),
        },
        "I11" => match variant {
            0 | 1 => format!("中国石化{township}加油站"),
            2 => format!("中国石油{village}加油站"),
            _ => format!("{b}加油站"),
        },
        "I12" => match variant {
            0 => format!("{county}{b}燃气有限公司"),
            _ => format!("{township}液化气供应站"),
        },
        "I13" => match variant {
            0 | 1 => format!("国网{county}供电公司{township}供电所"),
            _ => format!("{village}110千伏变电站"),
        },
        "I14" => match variant {
            0 => format!("{township}自来水厂"),
            1 => format!("{village}扬水站"),
            2 => format!("{township}污水处理厂"),
            _ => format!("{county}{b}供水有限公司"),
        },
        "I15" => match variant {
            0 => format!("{b}置业{village}项目工地"),
            1 => format!("{township}道路改造工程"),
            _ => format!("{b}家园{n}期建设工地"),
        },
        "I16" => match variant {
            0 | 1 => format!("德州{b}化工有限公司"),
            _ => format!("德州{b}化学品仓储有限公司"),
        },
        "I17" => match variant {
            0 => format!("{b}宾馆"),
            1 => format!("{b}大酒店"),
            2 => format!("{township}快捷酒店"),
            _ => format!("{b}商务酒店"),
        },
        "I18" => match variant {
            0 | 1 => format!("{b}购物广场"),
            2 => format!("德州{b}百货大楼"),
            _ => format!("{b}商业广场"),
        },
        "I19" => match variant {
            0 | 1 => format!("{b}超市"),
            2 => format!("{village}便民超市"),
            _ => format!("{b}生活超市{township}店"),
        },
        "I20" => match variant {
            0 => format!("{b}饭店"),
            1 => format!("{}记扒鸡店", surname(rng)),
            2 => format!("{township}羊汤馆"),
            _ => format!("{}家水饺", surname(rng)),
        },
        "I21" => match variant {
            0 | 1 => format!("{b}量贩式KTV"),
            2 => format!("{b}游乐场"),
            _ => format!("{b}电玩城"),
        },
        "I22" => match variant {
            0 | 1 => format!("{b}网吧"),
            _ => format!("{b}网咖"),
        },
        "I23" => match variant {
            0 => format!("{county}图书馆"),
            1 => format!("{township}综合文化站"),
            2 => format!("{b}影城"),
            _ => format!("{village}文化大院"),
        },
        "I24" => match variant {
            0 => format!("{county}体育馆"),
            1 => format!("{township}全民健身中心"),
            2 => format!("{b}游泳馆"),
            _ => format!("{b}健身房"),
        },
        "I25" => match variant {
            0 => format!("{township}敬老院"),
            1 => format!("{b}养老院"),
            2 => format!("{village}幸福院"),
            _ => format!("{b}康养中心"),
        },
        "I26" => match variant {
            0 => format!("{township}中心幼儿园"),
            1 => format!("{county}第{n}实验幼儿园"),
            2 => format!("{b}幼儿园"),
            _ => format!("{village}幼儿园"),
        },
        "I27" => match variant {
            0 => format!("{b}教育培训学校"),
            1 => format!("{b}驾驶员培训学校"),
            2 => format!("{b}职业技能培训学校"),
            _ => format!("{b}艺术培训中心"),
        },
        "I28" => match variant {
            0 | 1 => format!("{village}清真寺"),
            2 => format!("{village}基督教堂"),
            _ => format!("{township}天主堂"),
        },
        "I29" => match variant {
            0 | 1 => format!("{county}{}", pick(rng, AGENCIES)),
            2 => format!("{township}便民服务中心"),
            _ => format!("{township}财政所"),
        },
        "I30" => match variant {
            0 | 1 => format!("{county}{village}{}种植专业合作社", pick(rng, CROPS)),
            2 => format!("{county}{village}{}养殖专业合作社", pick(rng, LIVESTOCK)),
            _ => format!("{county}{b}农机专业合作社"),
        },
        "I31" => match variant {
            0 => format!("{county}汽车站"),
            1 | 2 => format!("{township}客运站"),
            _ => format!("{township}公交首末站"),
        },
        "I32" => match variant {
            0 | 1 => format!("{b}停车场"),
            2 => format!("{village}公共停车场"),
            _ => format!("{b}小区地下停车场"),
        },
        "I33" => match variant {
            0 | 1 => format!("{county}{b}民爆器材有限公司"),
            _ => format!("德州{b}爆破工程有限公司"),
        },
        _ => format!("{}{township}营业厅", pick(rng, CARRIERS)),
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
        let place = Place { county: "德城区", township: "新湖", village: "王庄" };
        for industry in 0..INDUSTRIES.len() {
            let name = name(&mut rng, industry, &place);
            assert!(name.chars().count() >= 3, "{name}");
        }
    }
}
