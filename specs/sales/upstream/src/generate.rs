//! The seeded warehouse's rows, generated in memory from the catalogue and a fixed PRNG seed,
//! so every run (and every machine) gets the same customers, products and orders.

use std::collections::HashSet;

use crate::catalog::{
    CATEGORIES, COMPANY_MAILBOXES, COMPANY_STEMS, COMPANY_TRADES, CONSUMER_DOMAINS, FIRST_NAMES,
    LAST_NAMES, LEGAL_FORMS, REGION_WEIGHTS, REGIONS, SEGMENTS,
};
use crate::date::Date;
use crate::prng::Prng;

/// The PRNG seed: change it and every generated row changes.
const SEED: u64 = 0x0005_A1E5_DA7A_2025;
/// How many customers the warehouse gets.
pub(crate) const CUSTOMERS: usize = 600;
/// How many orders the warehouse gets.
pub(crate) const ORDERS: usize = 6000;

/// One customer row.
pub(crate) struct Customer {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) email: String,
    pub(crate) region_id: &'static str,
    pub(crate) segment: &'static str,
    pub(crate) created_at: Date,
}

/// One product row.
pub(crate) struct Product {
    pub(crate) id: i64,
    pub(crate) sku: String,
    pub(crate) name: String,
    pub(crate) category: &'static str,
    pub(crate) unit_price_cents: i64,
    pub(crate) active: bool,
}

/// One order row with its lines; the total is derived from the lines.
pub(crate) struct Order {
    pub(crate) id: i64,
    pub(crate) customer_id: i64,
    pub(crate) region_id: &'static str,
    pub(crate) status: &'static str,
    pub(crate) ordered_at: Date,
    pub(crate) items: Vec<Item>,
}

impl Order {
    /// The order total: the sum of its lines.
    pub(crate) fn total_cents(&self) -> i64 {
        self.items
            .iter()
            .map(|i| i.quantity * i.unit_price_cents)
            .sum()
    }
}

/// One order line.
pub(crate) struct Item {
    pub(crate) product_id: i64,
    pub(crate) quantity: i64,
    pub(crate) unit_price_cents: i64,
}

/// Everything the seeder inserts.
pub(crate) struct Warehouse {
    pub(crate) customers: Vec<Customer>,
    pub(crate) products: Vec<Product>,
    pub(crate) orders: Vec<Order>,
}

/// Generates the whole warehouse; the same every time.
pub(crate) fn warehouse() -> Warehouse {
    let mut rng = Prng::new(SEED);
    let products = products(&mut rng);
    let customers = customers(&mut rng);
    let orders = orders(&mut rng, &customers, &products);
    Warehouse {
        customers,
        products,
        orders,
    }
}

fn products(rng: &mut Prng) -> Vec<Product> {
    let mut products = Vec::new();
    for category in &CATEGORIES {
        for (l, line) in category.lines.iter().enumerate() {
            for (m, (model, low, high)) in category.models.iter().enumerate() {
                let dollars = rng.between(i64::from(*low), i64::from(*high));
                // Cheap things end in .99, expensive ones are whole dollars.
                let unit_price_cents = if dollars < 100 {
                    dollars * 100 - 1
                } else {
                    dollars * 100
                };
                products.push(Product {
                    id: products.len() as i64 + 1,
                    sku: format!("{}-{}{:02}", category.sku_prefix, l + 1, m + 1),
                    name: format!("{line} {model}"),
                    category: category.name,
                    unit_price_cents,
                    active: !rng.chance(0.1),
                });
            }
        }
    }
    products
}

fn customers(rng: &mut Prng) -> Vec<Customer> {
    let first_day = Date::new(2022, 1, 1).map_or(0, Date::to_days);
    let last_day = Date::new(2024, 12, 31).map_or(0, Date::to_days);
    let mut names = HashSet::new();
    let mut emails = HashSet::new();
    let mut customers = Vec::with_capacity(CUSTOMERS);
    for id in 1..=CUSTOMERS as i64 {
        let region = rng.weighted(&REGION_WEIGHTS);
        let segment = rng.weighted(&SEGMENTS);
        let (name, mailbox, domain) = if segment == "consumer" {
            let first = rng.pick(&FIRST_NAMES[region]);
            let last = rng.pick(&LAST_NAMES[region]);
            let mailbox = format!("{first}.{last}").to_ascii_lowercase();
            let domain = rng.pick(&CONSUMER_DOMAINS).to_string();
            (format!("{first} {last}"), mailbox, domain)
        } else {
            let (name, slug) = company(rng, region, &mut names);
            let mailbox = rng.pick(&COMPANY_MAILBOXES).to_string();
            (name, mailbox, format!("{slug}.example"))
        };
        let email = unique_email(&mailbox, &domain, &mut emails);
        customers.push(Customer {
            id,
            name,
            email,
            region_id: REGIONS[region].0,
            segment,
            created_at: Date::from_days(rng.between(first_day, last_day)),
        });
    }
    customers
}

/// A company name not used before, and the slug of its email domain.
fn company(rng: &mut Prng, region: usize, taken: &mut HashSet<String>) -> (String, String) {
    let mut attempt = 0;
    loop {
        let stem = rng.pick(&COMPANY_STEMS);
        let trade = rng.pick(&COMPANY_TRADES);
        let form = rng.pick(&LEGAL_FORMS[region]);
        let mut name = format!("{stem} {trade} {form}");
        attempt += 1;
        if attempt > 20 {
            name = format!("{stem} {trade} {attempt} {form}");
        }
        if taken.insert(name.clone()) {
            let slug = format!("{stem}-{trade}").to_ascii_lowercase();
            return (name, slug);
        }
    }
}

/// `mailbox@domain`, or `mailbox2@domain`, `mailbox3@domain`… when taken.
fn unique_email(mailbox: &str, domain: &str, taken: &mut HashSet<String>) -> String {
    let mut email = format!("{mailbox}@{domain}");
    let mut n = 1;
    while !taken.insert(email.clone()) {
        n += 1;
        email = format!("{mailbox}{n}@{domain}");
    }
    email
}

fn orders(rng: &mut Prng, customers: &[Customer], products: &[Product]) -> Vec<Order> {
    let first_day = Date::new(2025, 1, 1).map_or(0, Date::to_days);
    let last_day = Date::new(2026, 10, 31).map_or(0, Date::to_days);
    // Discontinued products stop selling at the start of 2026.
    let discontinued_from = Date::new(2026, 1, 1).map_or(0, Date::to_days);
    // Businesses buy more often than consumers; some customers are simply busier.
    let buyers: Vec<(usize, u32)> = customers
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let base = match c.segment {
                "enterprise" => 6,
                "smb" => 3,
                _ => 1,
            };
            (i, base * rng.between(1, 5) as u32)
        })
        .collect();

    let mut days: Vec<i64> = (0..ORDERS)
        .map(|_| order_day(rng, first_day, last_day))
        .collect();
    days.sort_unstable();

    let everything: Vec<&Product> = products.iter().collect();
    let active: Vec<&Product> = products.iter().filter(|p| p.active).collect();

    let mut orders = Vec::with_capacity(ORDERS);
    for (n, day) in days.into_iter().enumerate() {
        let customer = &customers[rng.weighted(&buyers)];
        let sellable = if day < discontinued_from {
            &everything
        } else {
            &active
        };
        let lines = rng.weighted(&[(1, 35), (2, 28), (3, 18), (4, 11), (5, 8)]);
        let lines = lines.min(sellable.len());
        let mut items: Vec<Item> = Vec::with_capacity(lines);
        while items.len() < lines {
            let product = rng.pick(sellable);
            if items.iter().any(|i| i.product_id == product.id) {
                continue;
            }
            let quantity = match customer.segment {
                "enterprise" => rng.between(1, 20),
                "smb" => rng.between(1, 5),
                _ => rng.weighted(&[(1, 80), (2, 15), (3, 5)]),
            };
            // Prices went up 5% at the start of 2026; older lines keep the old price.
            let unit_price_cents = if day < discontinued_from {
                product.unit_price_cents * 95 / 100
            } else {
                product.unit_price_cents
            };
            items.push(Item {
                product_id: product.id,
                quantity,
                unit_price_cents,
            });
        }
        orders.push(Order {
            id: n as i64 + 1,
            customer_id: customer.id,
            region_id: customer.region_id,
            status: status(rng, last_day - day),
            ordered_at: Date::from_days(day),
            items,
        });
    }
    orders
}

/// A day in `first..=last`: busier towards the end (growth) and in November and December.
fn order_day(rng: &mut Prng, first: i64, last: i64) -> i64 {
    loop {
        let day = rng.between(first, last);
        let growth = 0.75 + 0.25 * (day - first) as f64 / (last - first).max(1) as f64;
        let season = match Date::from_days(day).month() {
            11 => 1.0,
            12 => 0.9,
            1 | 2 => 0.6,
            _ => 0.7,
        };
        if rng.chance(growth * season) {
            return day;
        }
    }
}

/// Recent orders are still open or paid; older ones have shipped or were cancelled.
fn status(rng: &mut Prng, age_days: i64) -> &'static str {
    let choices: &[(&'static str, u32)] = match age_days {
        0..=3 => &[("open", 50), ("paid", 40), ("shipped", 10)],
        4..=14 => &[
            ("open", 10),
            ("paid", 30),
            ("shipped", 55),
            ("cancelled", 5),
        ],
        _ => &[("shipped", 94), ("cancelled", 6)],
    };
    rng.weighted(choices)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic() {
        let (a, b) = (warehouse(), warehouse());
        assert_eq!(a.orders.len(), b.orders.len());
        for (x, y) in a.orders.iter().zip(&b.orders) {
            assert_eq!(
                (x.customer_id, x.ordered_at, x.total_cents()),
                (y.customer_id, y.ordered_at, y.total_cents())
            );
        }
        assert_eq!(a.customers[17].email, b.customers[17].email);
    }

    #[test]
    fn plausible() {
        let w = warehouse();
        assert_eq!(w.customers.len(), CUSTOMERS);
        assert_eq!(w.products.len(), 120);
        assert_eq!(w.orders.len(), ORDERS);
        let emails: HashSet<_> = w.customers.iter().map(|c| &c.email).collect();
        assert_eq!(emails.len(), CUSTOMERS);
        let skus: HashSet<_> = w.products.iter().map(|p| &p.sku).collect();
        assert_eq!(skus.len(), 120);
        for order in &w.orders {
            assert!((1..=5).contains(&order.items.len()));
            assert!(order.total_cents() > 0);
            let customer = &w.customers[order.customer_id as usize - 1];
            assert_eq!(customer.region_id, order.region_id);
            assert!(customer.created_at <= order.ordered_at);
        }
        let first = w.orders.first().map(|o| o.ordered_at.to_string());
        let last = w.orders.last().map(|o| o.ordered_at.to_string());
        assert!(first.as_deref() >= Some("2025-01-01"));
        assert!(last.as_deref() <= Some("2026-10-31"));
    }
}
