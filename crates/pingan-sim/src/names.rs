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
    /// Township names in code order: streets (街道), then towns (鎮), then townships (鄉).
    pub(crate) townships: &'static [&'static str],
}

pub(crate) const CITY_CODE: &str = "371400";
pub(crate) const CITY_NAME: &str = "德州市";

/// The 11 counties; their township lists add up to the programme's 134 townships.
#[rustfmt::skip]
pub(crate) const COUNTIES: [County; 11] = [
    County {
        code: "371402",
        name: "德城區",
        seat: [116.30, 37.45],
        area_km2: 533.0,
        townships: &[
            "新湖街道", "新華街道", "天衢街道", "廣川街道", "運河街道", "宋官屯街道", "長河街道", "二屯鎮",
            "黃河涯鎮", "趙虎鎮", "抬頭寺鎮", "袁橋鎮",
        ],
    },
    County {
        code: "371403",
        name: "陵城區",
        seat: [116.58, 37.33],
        area_km2: 1213.0,
        townships: &[
            "安德街道", "臨齊街道", "鄭家寨鎮", "糜鎮", "宋家鎮", "徽王莊鎮", "神頭鎮",
            "滋鎮", "前孫鎮", "邊臨鎮", "義渡口鎮", "丁莊鎮", "于集鄉",
        ],
    },
    County {
        code: "371422",
        name: "寧津縣",
        seat: [116.80, 37.65],
        area_km2: 833.0,
        townships: &[
            "寧城街道", "津城街道", "柴胡店鎮", "長官鎮", "杜集鎮", "保店鎮", "大柳鎮",
            "大曹鎮", "相衙鎮", "時集鎮", "張大莊鎮", "劉營伍鄉",
        ],
    },
    County {
        code: "371423",
        name: "慶云縣",
        seat: [117.38, 37.78],
        area_km2: 502.0,
        townships: &[
            "渤海路街道", "慶云鎮", "常家鎮", "尚堂鎮", "崔口鎮", "東辛店鎮",
            "嚴務鄉", "徐園子鄉", "中丁鄉",
        ],
    },
    County {
        code: "371424",
        name: "臨邑縣",
        seat: [116.87, 37.19],
        area_km2: 1016.0,
        townships: &[
            "邢侗街道", "恒源街道", "臨盤街道", "臨邑鎮", "臨南鎮", "德平鎮", "林子鎮",
            "興隆鎮", "孟寺鎮", "翟家鎮", "理合務鎮", "宿安鄉",
        ],
    },
    County {
        code: "371425",
        name: "齊河縣",
        seat: [116.76, 36.80],
        area_km2: 1411.0,
        townships: &[
            "晏城街道", "晏北街道", "表白寺鎮", "焦廟鎮", "趙官鎮", "祝阿鎮",
            "仁里集鎮", "潘店鎮", "胡官屯鎮", "宣章屯鎮", "華店鎮", "劉橋鄉",
            "大黃鄉", "安頭鄉", "馬集鄉",
        ],
    },
    County {
        code: "371426",
        name: "平原縣",
        seat: [116.43, 37.17],
        area_km2: 1047.0,
        townships: &[
            "龍門街道", "桃園街道", "王鳳樓鎮", "前曹鎮", "恩城鎮", "王廟鎮",
            "王杲鋪鎮", "張華鎮", "腰站鎮", "坊子鄉", "三唐鄉", "王打卦鄉",
        ],
    },
    County {
        code: "371427",
        name: "夏津縣",
        seat: [116.00, 36.95],
        area_km2: 882.0,
        townships: &[
            "銀城街道", "北城街道", "南城鎮", "蘇留莊鎮", "新盛店鎮", "雙廟鎮",
            "渡口驛鎮", "香趙莊鎮", "鄭保屯鎮", "白馬湖鎮", "東李官屯鎮",
            "宋樓鎮", "雷集鎮", "田莊鄉",
        ],
    },
    County {
        code: "371428",
        name: "武城縣",
        seat: [116.07, 37.21],
        area_km2: 751.0,
        townships: &[
            "廣運街道", "武城鎮", "老城鎮", "鄃城鎮", "李家戶鎮", "甲馬營鎮",
            "四女寺鎮", "郝王莊鎮",
        ],
    },
    County {
        code: "371481",
        name: "樂陵市",
        seat: [117.23, 37.73],
        area_km2: 1172.0,
        townships: &[
            "市中街道", "胡家街道", "云紅街道", "郭家街道", "楊安鎮", "朱集鎮", "黃夾鎮",
            "丁塢鎮", "花園鎮", "鄭店鎮", "化樓鎮", "孔鎮", "鐵營鎮",
            "西段鄉", "大孫鄉", "寨頭堡鄉",
        ],
    },
    County {
        code: "371482",
        name: "禹城市",
        seat: [116.64, 36.93],
        area_km2: 990.0,
        townships: &[
            "市中街道", "倫鎮", "房寺鎮", "張莊鎮", "辛店鎮", "安仁鎮", "辛寨鎮",
            "梁家鎮", "十里望回族鎮", "莒鎮", "李屯鄉",
        ],
    },
];

/// The part of a place name before its administrative suffix, for naming things
/// after it: 新湖街道 → 新湖, 十里望回族鎮 → 十里望, 村 and 社區 likewise. Names that
/// would be left with a single character keep the suffix (糜鎮 stays 糜鎮).
pub(crate) fn stem(name: &str) -> &str {
    for suffix in ["回族鎮", "街道", "社區", "鎮", "鄉", "村"] {
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
    "王", "李", "張", "劉", "陳", "楊", "趙", "黃", "周", "吳", "徐", "孫", "胡", "朱", "高", "林", "何", "郭", "馬",
    "羅", "梁", "宋", "鄭", "謝", "韓", "唐", "馮", "于", "董", "程", "曹", "袁", "鄧", "許", "傅", "沈", "曾", "彭",
    "呂", "蘇", "盧", "蔣", "蔡", "賈", "丁", "魏", "薛", "葉", "閻", "潘", "杜", "戴", "夏", "田", "任", "姜", "范",
    "方", "石", "姚", "崔", "孟", "侯", "邵", "史", "常", "武", "喬", "賀", "尹", "邢", "龐",
];

/// Characters common in given names.
#[rustfmt::skip]
const GIVEN: &[&str] = &[
    "偉", "芳", "娜", "敏", "靜", "麗", "強", "磊", "軍", "洋", "勇", "艷", "杰", "娟", "濤", "明", "超", "秀", "霞",
    "平", "剛", "桂", "英", "華", "建", "國", "紅", "文", "志", "海", "峰", "鵬", "輝", "玲", "燕", "晨", "欣", "怡",
    "宇", "浩", "然", "澤", "俊", "凱", "婷", "慧", "穎", "佳", "鑫", "東", "春", "萍", "立", "新", "忠", "德", "蘭",
    "梅", "永", "寧", "云", "雪", "帥", "博", "振", "亮", "琳", "倩", "丹", "楠", "凡", "坤",
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

/// A surname on its own, for names like 王記扒雞.
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

/// Characters that make up shop and company names (字號).
#[rustfmt::skip]
const BRAND_CHARS: &[&str] = &[
    "鑫", "恒", "華", "盛", "泰", "源", "隆", "昌", "宏", "順", "達", "興", "瑞", "祥", "金", "永", "信", "誠", "德",
    "豐", "利", "凱", "宇", "嘉", "博", "天", "鼎", "晟", "匯", "聚", "佳", "新", "中", "安", "福", "康", "明", "遠",
    "海", "聯", "億", "正", "通", "陽", "景", "潤", "和", "眾",
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
    "東風路", "湖濱大道", "新華路", "天衢路", "解放路", "德興大道", "三八路", "建設街", "青年路", "大學路",
    "長河大道", "運河街", "紅星路", "崇德路", "東方紅路", "迎賓大街", "新河路", "德州大道", "岔河街", "光明街",
    "文化路", "府前街", "人民路", "興隆大街", "振華路", "商貿街", "康寧路", "育才路", "工業路", "和平路",
];

/// A street address inside a township: `德州市德城區新湖街道東風路128號`.
pub(crate) fn address(rng: &mut impl Rng, county: &str, township: &str) -> String {
    format!("{CITY_NAME}{county}{township}{}{}號", ROADS.choose(rng).expect("non-empty"), rng.gen_range(1..=399))
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

/// Endings of village names: 王莊, 李家寨, 張官屯 …
#[rustfmt::skip]
const VILLAGE_ENDINGS: &[&str] = &[
    "莊", "家莊", "官屯", "家寨", "屯", "集", "店", "營", "樓", "橋", "廟", "窯", "家", "堂", "園", "坊", "家口",
    "莊科", "寨", "道口", "洼", "堤",
];

/// Prefixes that tell neighbouring villages apart: 東王莊, 后李 …
const VILLAGE_PREFIXES: &[&str] = &["東", "西", "南", "北", "前", "后", "大", "小", "上", "下", "新", "老"];

/// Words that communities are named after.
#[rustfmt::skip]
const COMMUNITY_WORDS: &[&str] = &[
    "湖濱", "新華", "運河", "天衢", "廣川", "長河", "錦繡", "陽光", "和平", "東風", "紅星", "建設", "勝利", "幸福",
    "文化", "育才", "光明", "康寧", "明珠", "金橋", "翠園", "興華", "德興", "花園", "新城", "東盛", "南苑", "北園",
    "西關", "東關", "府前", "青年", "振華", "盛世", "御園", "泰和", "匯源", "書香", "怡景", "朝陽",
    "春暉", "清華", "友誼", "百花", "星湖", "嘉禾", "富民", "安居", "頤和", "恒豐",
];

/// Endings of community names (empty: just the word).
const COMMUNITY_ENDINGS: &[&str] = &["", "", "", "花園", "苑", "里", "家園", "新村"];

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
                _ => format!("{surname}{}莊村", SURNAMES.choose(rng).expect("non-empty")),
            }
        })
    }

    /// A community name ending in 社區; `preferred` (e.g. the town's own name) if still free.
    pub(crate) fn community(&mut self, rng: &mut impl Rng, preferred: Option<&str>) -> String {
        if let Some(stem) = preferred {
            let name = format!("{stem}社區");
            if self.used.insert(name.clone()) {
                return name;
            }
        }
        self.unique(rng, |rng| {
            let word = COMMUNITY_WORDS.choose(rng).expect("non-empty");
            let ending = COMMUNITY_ENDINGS.choose(rng).expect("non-empty");
            format!("{word}{ending}社區")
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
        let (stem, suffix) = match base.strip_suffix("社區") {
            Some(stem) => (stem.to_owned(), "社區"),
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
            // Code order: streets, then towns, then 鄉.
            let rank = |n: &str| {
                if n.ends_with("街道") {
                    0
                } else if n.ends_with("鄉") {
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
        assert_eq!(stem("十里望回族鎮"), "十里望");
        assert_eq!(stem("糜鎮"), "糜鎮");
        assert_eq!(stem("王莊村"), "王莊");
        assert_eq!(stem("湖濱社區"), "湖濱");
        assert_eq!(zh_number(3), "三");
        assert_eq!(zh_number(10), "十");
        assert_eq!(zh_number(17), "十七");
        assert_eq!(zh_number(40), "四十");
        assert_eq!(zh_number(23), "二十三");
    }
}
