//! Place names, personal names, phone numbers and addresses.
//!
//! County codes, names and seats are real (DOMAIN §1). Township names are taken
//! from Dezhou's towns, townships and street offices, past and present, to read
//! naturally in a demo; their boundaries are synthetic, and the list is
//! illustrative, not a gazetteer. Village, community and personal names are
//! generated from common syllables.

use rand::Rng;
use rand::seq::SliceRandom;
use std::collections::HashSet;

/// A county-level division of the city.
pub(crate) struct County {
    pub(crate) code: &'static str,
    pub(crate) name: &'static str,
    /// Roughly where the county seat is, `[lon, lat]`: the seed of the county's part of the lattice.
    pub(crate) seat: [f64; 2],
    /// Approximate land area in km²; sets the county's share of the lattice.
    pub(crate) area_km2: f64,
    /// Township names in code order: streets (街道), then towns (镇), then townships (乡).
    pub(crate) townships: &'static [&'static str],
}

pub(crate) const CITY_CODE: &str = "371400";
pub(crate) const CITY_NAME: &str = "德州市";

/// The 11 counties; their township lists add up to the programme's 134 townships.
#[rustfmt::skip]
pub(crate) const COUNTIES: [County; 11] = [
    County {
        code: "371402",
        name: "德城区",
        seat: [116.30, 37.45],
        area_km2: 533.0,
        townships: &[
            "新湖街道", "新华街道", "天衢街道", "广川街道", "运河街道", "宋官屯街道", "长河街道", "二屯镇",
            "黄河涯镇", "赵虎镇", "抬头寺镇", "袁桥镇",
        ],
    },
    County {
        code: "371403",
        name: "陵城区",
        seat: [116.58, 37.33],
        area_km2: 1213.0,
        townships: &[
            "安德街道", "临齐街道", "郑家寨镇", "糜镇", "宋家镇", "徽王庄镇", "神头镇",
            "滋镇", "前孙镇", "边临镇", "义渡口镇", "丁庄镇", "于集乡",
        ],
    },
    County {
        code: "371422",
        name: "宁津县",
        seat: [116.80, 37.65],
        area_km2: 833.0,
        townships: &[
            "宁城街道", "津城街道", "柴胡店镇", "长官镇", "杜集镇", "保店镇", "大柳镇",
            "大曹镇", "相衙镇", "时集镇", "张大庄镇", "刘营伍乡",
        ],
    },
    County {
        code: "371423",
        name: "庆云县",
        seat: [117.38, 37.78],
        area_km2: 502.0,
        townships: &[
            "渤海路街道", "庆云镇", "常家镇", "尚堂镇", "崔口镇", "东辛店镇",
            "严务乡", "徐园子乡", "中丁乡",
        ],
    },
    County {
        code: "371424",
        name: "临邑县",
        seat: [116.87, 37.19],
        area_km2: 1016.0,
        townships: &[
            "邢侗街道", "恒源街道", "临盘街道", "临邑镇", "临南镇", "德平镇", "林子镇",
            "兴隆镇", "孟寺镇", "翟家镇", "理合务镇", "宿安乡",
        ],
    },
    County {
        code: "371425",
        name: "齐河县",
        seat: [116.76, 36.80],
        area_km2: 1411.0,
        townships: &[
            "晏城街道", "晏北街道", "表白寺镇", "焦庙镇", "赵官镇", "祝阿镇",
            "仁里集镇", "潘店镇", "胡官屯镇", "宣章屯镇", "华店镇", "刘桥乡",
            "大黄乡", "安头乡", "马集乡",
        ],
    },
    County {
        code: "371426",
        name: "平原县",
        seat: [116.43, 37.17],
        area_km2: 1047.0,
        townships: &[
            "龙门街道", "桃园街道", "王凤楼镇", "前曹镇", "恩城镇", "王庙镇",
            "王杲铺镇", "张华镇", "腰站镇", "坊子乡", "三唐乡", "王打卦乡",
        ],
    },
    County {
        code: "371427",
        name: "夏津县",
        seat: [116.00, 36.95],
        area_km2: 882.0,
        townships: &[
            "银城街道", "北城街道", "南城镇", "苏留庄镇", "新盛店镇", "双庙镇",
            "渡口驿镇", "香赵庄镇", "郑保屯镇", "白马湖镇", "东李官屯镇",
            "宋楼镇", "雷集镇", "田庄乡",
        ],
    },
    County {
        code: "371428",
        name: "武城县",
        seat: [116.07, 37.21],
        area_km2: 751.0,
        townships: &[
            "广运街道", "武城镇", "老城镇", "鄃城镇", "李家户镇", "甲马营镇",
            "四女寺镇", "郝王庄镇",
        ],
    },
    County {
        code: "371481",
        name: "乐陵市",
        seat: [117.23, 37.73],
        area_km2: 1172.0,
        townships: &[
            "市中街道", "胡家街道", "云红街道", "郭家街道", "杨安镇", "朱集镇", "黄夹镇",
            "丁坞镇", "花园镇", "郑店镇", "化楼镇", "孔镇", "铁营镇",
            "西段乡", "大孙乡", "寨头堡乡",
        ],
    },
    County {
        code: "371482",
        name: "禹城市",
        seat: [116.64, 36.93],
        area_km2: 990.0,
        townships: &[
            "市中街道", "伦镇", "房寺镇", "张庄镇", "辛店镇", "安仁镇", "辛寨镇",
            "梁家镇", "十里望回族镇", "莒镇", "李屯乡",
        ],
    },
];

/// The part of a place name before its administrative suffix, for naming things
/// after it: 新湖街道 → 新湖, 十里望回族镇 → 十里望, 村 and 社区 likewise. Names that
/// would be left with a single character keep the suffix (糜镇 stays 糜镇).
pub(crate) fn stem(name: &str) -> &str {
    for suffix in ["回族镇", "街道", "社区", "镇", "乡", "村"] {
        if let Some(s) = name.strip_suffix(suffix)
            && s.chars().count() >= 2
        {
            return s;
        }
    }
    name
}

/// Frequent Chinese surnames, most common first.
#[rustfmt::skip]
const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马",
    "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "程", "曹", "袁", "邓", "许", "傅", "沈", "曾", "彭",
    "吕", "苏", "卢", "蒋", "蔡", "贾", "丁", "魏", "薛", "叶", "阎", "潘", "杜", "戴", "夏", "田", "任", "姜", "范",
    "方", "石", "姚", "崔", "孟", "侯", "邵", "史", "常", "武", "乔", "贺", "尹", "邢", "庞",
];

/// Characters common in given names.
#[rustfmt::skip]
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀", "霞",
    "平", "刚", "桂", "英", "华", "建", "国", "红", "文", "志", "海", "峰", "鹏", "辉", "玲", "燕", "晨", "欣", "怡",
    "宇", "浩", "然", "泽", "俊", "凯", "婷", "慧", "颖", "佳", "鑫", "东", "春", "萍", "立", "新", "忠", "德", "兰",
    "梅", "永", "宁", "云", "雪", "帅", "博", "振", "亮", "琳", "倩", "丹", "楠", "凡", "坤",
];

/// A person's name: surname and a one- or two-character given name.
pub(crate) fn person(rng: &mut impl Rng) -> String {
    let mut name = String::from(*SURNAMES.choose(rng).expect("non-empty"));
    let given_len = if rng.gen_bool(0.3) { 1 } else { 2 };
    for _ in 0..given_len {
        name.push_str(GIVEN.choose(rng).expect("non-empty"));
    }
    name
}

/// A surname on its own, for names like 王记扒鸡.
pub(crate) fn surname(rng: &mut impl Rng) -> &'static str {
    SURNAMES.choose(rng).expect("non-empty")
}

/// A mobile number (13x, 15x or 18x), for persons.
pub(crate) fn mobile(rng: &mut impl Rng) -> String {
    let second = *[3, 5, 8].choose(rng).expect("non-empty");
    format!("1{second}{}{:08}", rng.gen_range(0..10), rng.gen_range(0..100_000_000))
}

/// A Dezhou landline (area code 0534), for offices.
pub(crate) fn office_phone(rng: &mut impl Rng) -> String {
    format!("0534-{}{:06}", rng.gen_range(2..=8), rng.gen_range(0..1_000_000))
}

/// Characters that make up shop and company names (字号).
#[rustfmt::skip]
const BRAND_CHARS: &[&str] = &[
    "鑫", "恒", "华", "盛", "泰", "源", "隆", "昌", "宏", "顺", "达", "兴", "瑞", "祥", "金", "永", "信", "诚", "德",
    "丰", "利", "凯", "宇", "嘉", "博", "天", "鼎", "晟", "汇", "聚", "佳", "新", "中", "安", "福", "康", "明", "远",
    "海", "联", "亿", "正", "通", "阳", "景", "润", "和", "众",
];

/// A two-character trade name such as 鑫源 or 恒泰.
pub(crate) fn brand(rng: &mut impl Rng) -> String {
    let first = rng.gen_range(0..BRAND_CHARS.len());
    // The second character differs from the first: 鑫鑫 reads as a stutter.
    let second = (first + rng.gen_range(1..BRAND_CHARS.len())) % BRAND_CHARS.len();
    format!("{}{}", BRAND_CHARS[first], BRAND_CHARS[second])
}

/// Street names used in addresses.
#[rustfmt::skip]
const ROADS: &[&str] = &[
    "东风路", "湖滨大道", "新华路", "天衢路", "解放路", "德兴大道", "三八路", "建设街", "青年路", "大学路",
    "长河大道", "运河街", "红星路", "崇德路", "东方红路", "迎宾大街", "新河路", "德州大道", "岔河街", "光明街",
    "文化路", "府前街", "人民路", "兴隆大街", "振华路", "商贸街", "康宁路", "育才路", "工业路", "和平路",
];

/// A street address inside a township: `德州市德城区新湖街道东风路128号`.
pub(crate) fn address(rng: &mut impl Rng, county: &str, township: &str) -> String {
    format!("{CITY_NAME}{county}{township}{}{}号", ROADS.choose(rng).expect("non-empty"), rng.gen_range(1..=399))
}

/// Opening hours of red stations, as posted on their doors.
pub(crate) const OPENING_HOURS: &[&str] = &[
    "周一至周日 08:00-20:00",
    "周一至周五 08:30-17:30",
    "周一至周六 08:00-18:00",
    "周一至周日 07:30-19:30",
    "周一至周日 09:00-21:00",
    "周一至周五 08:00-12:00 14:00-18:00",
];

/// Endings of village names: 王庄, 李家寨, 张官屯 …
#[rustfmt::skip]
const VILLAGE_ENDINGS: &[&str] = &[
    "庄", "家庄", "官屯", "家寨", "屯", "集", "店", "营", "楼", "桥", "庙", "窑", "家", "堂", "园", "坊", "家口",
    "庄科", "寨", "道口", "洼", "堤",
];

/// Prefixes that tell neighbouring villages apart: 东王庄, 后李 …
const VILLAGE_PREFIXES: &[&str] = &["东", "西", "南", "北", "前", "后", "大", "小", "上", "下", "新", "老"];

/// Words that communities are named after.
#[rustfmt::skip]
const COMMUNITY_WORDS: &[&str] = &[
    "湖滨", "新华", "运河", "天衢", "广川", "长河", "锦绣", "阳光", "和平", "东风", "红星", "建设", "胜利", "幸福",
    "文化", "育才", "光明", "康宁", "明珠", "金桥", "翠园", "兴华", "德兴", "花园", "新城", "东盛", "南苑", "北园",
    "西关", "东关", "府前", "青年", "振华", "盛世", "御园", "泰和", "汇源", "书香", "怡景", "朝阳",
    "春晖", "清华", "友谊", "百花", "星湖", "嘉禾", "富民", "安居", "颐和", "恒丰",
];

/// Endings of community names (empty: just the word).
const COMMUNITY_ENDINGS: &[&str] = &["", "", "", "花园", "苑", "里", "家园", "新村"];

/// Generates village and community names that are unique within one county.
pub(crate) struct PlaceNamer {
    used: HashSet<String>,
}

impl PlaceNamer {
    /// A namer that will not repeat any of `taken` (the county's township names).
    pub(crate) fn new<'a>(taken: impl IntoIterator<Item = &'a str>) -> Self {
        PlaceNamer { used: taken.into_iter().map(str::to_owned).collect() }
    }

    /// A village name ending in 村.
    pub(crate) fn village(&mut self, rng: &mut impl Rng) -> String {
        self.unique(rng, |rng| {
            let surname = SURNAMES[rng.gen_range(0..SURNAMES.len())];
            let ending = VILLAGE_ENDINGS.choose(rng).expect("non-empty");
            let prefix = VILLAGE_PREFIXES.choose(rng).expect("non-empty");
            match rng.gen_range(0..10) {
                0..=4 => format!("{surname}{ending}村"),
                5..=7 => format!("{prefix}{surname}{ending}村"),
                8 => format!("{prefix}{surname}村"),
                _ => format!("{surname}{}庄村", SURNAMES.choose(rng).expect("non-empty")),
            }
        })
    }

    /// A community name ending in 社区; `preferred` (e.g. the town's own name) if still free.
    pub(crate) fn community(&mut self, rng: &mut impl Rng, preferred: Option<&str>) -> String {
        if let Some(stem) = preferred {
            let name = format!("{stem}社区");
            if self.used.insert(name.clone()) {
                return name;
            }
        }
        self.unique(rng, |rng| {
            let word = COMMUNITY_WORDS.choose(rng).expect("non-empty");
            let ending = COMMUNITY_ENDINGS.choose(rng).expect("non-empty");
            format!("{word}{ending}社区")
        })
    }

    fn unique<R: Rng>(&mut self, rng: &mut R, mut make: impl FnMut(&mut R) -> String) -> String {
        // The name spaces hold thousands of names against a few hundred per county, so
        // a fresh one turns up within a few draws; after many misses, fall back to
        // numbering so that a crowded county still terminates.
        for _ in 0..64 {
            let name = make(rng);
            if self.used.insert(name.clone()) {
                return name;
            }
        }
        let base = make(rng);
        let (stem, suffix) = match base.strip_suffix("社区") {
            Some(stem) => (stem.to_owned(), "社区"),
            None => (base.trim_end_matches('村').to_owned(), "村"),
        };
        (2..)
            .map(|n| format!("{stem}{}{suffix}", zh_number(n)))
            .find(|name| self.used.insert(name.clone()))
            .expect("an unbounded range always yields a free name")
    }
}

/// A small number in Chinese numerals: 1 → 一, 12 → 十二, 30 → 三十.
pub(crate) fn zh_number(n: u32) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0..=9 => DIGITS[n as usize].to_owned(),
        10..=19 => format!("十{}", if n == 10 { "" } else { DIGITS[n as usize - 10] }),
        20..=99 => {
            format!("{}十{}", DIGITS[n as usize / 10], if n.is_multiple_of(10) { "" } else { DIGITS[n as usize % 10] })
        }
        _ => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_counties_hold_the_programmes_134_townships() {
        assert_eq!(COUNTIES.iter().map(|c| c.townships.len()).sum::<usize>(), 134);
        for county in &COUNTIES {
            let mut names = county.townships.to_vec();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), county.townships.len(), "{} repeats a township", county.name);
            // Code order: streets, then towns, then 乡.
            let rank = |n: &str| {
                if n.ends_with("街道") {
                    0
                } else if n.ends_with("乡") {
                    2
                } else {
                    1
                }
            };
            assert!(county.townships.windows(2).all(|w| rank(w[0]) <= rank(w[1])), "{}", county.name);
            assert!(county.townships[0].ends_with("街道"), "{} starts with its seat street", county.name);
        }
    }

    #[test]
    fn stems_and_numbers() {
        assert_eq!(stem("新湖街道"), "新湖");
        assert_eq!(stem("十里望回族镇"), "十里望");
        assert_eq!(stem("糜镇"), "糜镇");
        assert_eq!(stem("王庄村"), "王庄");
        assert_eq!(stem("湖滨社区"), "湖滨");
        assert_eq!(zh_number(3), "三");
        assert_eq!(zh_number(10), "十");
        assert_eq!(zh_number(17), "十七");
        assert_eq!(zh_number(40), "四十");
        assert_eq!(zh_number(23), "二十三");
    }
}
