//! Grassroots forces (基层力量): the people and units the programme rests on — city units
//! paired with townships (`liaison`), and, as they are built, party members reporting to their
//! communities, volunteers, red stations and red property management. Their follow-ups are
//! [`crate::task`]s.

pub mod liaison;
