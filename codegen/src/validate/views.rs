//! `view` blocks: Prisma accepts them and Prisma Migrate creates nothing for them (the view is the
//! database's, written by hand). Their name must not clash with a model's or an enum's, and every field's
//! type must exist. No table is created and, for now, no Rust is generated: a warning says so.

use super::Validator;
use crate::diagnostics::{msg, suggest};
use crate::model::Scalar;
use crate::syntax::ast::{Block, Member};

impl Validator {
    pub(super) fn view(&mut self, b: &Block) {
        if let Some((_, first)) = self.types.get(&b.name.name) {
            self.diags
                .push(msg::duplicate_top(b.name.span, "view", &b.name.name, *first));
            return;
        }
        for m in &b.members {
            let Member::Field(f) = m else { continue };
            let Some(ty) = &f.ty else { continue };
            let name = ty.name.name.as_str();
            let known = Scalar::from_name(name).is_some() || name == "Unsupported" || self.types.contains_key(name);
            if !known {
                let candidates: Vec<&str> = Scalar::ALL
                    .iter()
                    .map(|s| s.name())
                    .chain(self.types.keys().map(String::as_str))
                    .collect();
                self.diags
                    .push(msg::unknown_type(ty.name.span, name, suggest(name, candidates)));
            }
        }
        self.diags.push(msg::view_not_generated(b.name.span, &b.name.name));
    }
}
