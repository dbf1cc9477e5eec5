//! The fixed word lists the seeder draws from: regions, people's and companies' names, email
//! domains and the product catalogue. Plain ASCII so every name also makes a valid email.

/// The four sales regions: id and display name.
pub(crate) const REGIONS: [(&str, &str); 4] = [
    ("APAC", "Asia Pacific"),
    ("EMEA", "Europe, Middle East and Africa"),
    ("LATAM", "Latin America"),
    ("NA", "North America"),
];

/// How customers spread over the regions (same order as [`REGIONS`]).
pub(crate) const REGION_WEIGHTS: [(usize, u32); 4] = [(0, 20), (1, 30), (2, 15), (3, 35)];

/// The customer segments and how common each is.
pub(crate) const SEGMENTS: [(&str, u32); 3] = [("enterprise", 12), ("smb", 33), ("consumer", 55)];

/// First names per region (same order as [`REGIONS`]).
pub(crate) const FIRST_NAMES: [[&str; 16]; 4] = [
    [
        "Wei", "Mei", "Hiroshi", "Yuki", "Arjun", "Priya", "Minjun", "Jiwoo", "Hao", "Aiko",
        "Rahul", "Ananya", "Jack", "Chloe", "Liam", "Siti",
    ],
    [
        "Lukas", "Emma", "Noah", "Sofia", "Luca", "Hannah", "Mohammed", "Amira", "Pierre",
        "Camille", "Jan", "Anna", "Oliver", "Freya", "Matteo", "Ingrid",
    ],
    [
        "Santiago",
        "Valentina",
        "Mateo",
        "Camila",
        "Sebastian",
        "Isabella",
        "Diego",
        "Mariana",
        "Gabriel",
        "Luciana",
        "Joao",
        "Ana",
        "Nicolas",
        "Fernanda",
        "Tomas",
        "Catalina",
    ],
    [
        "James",
        "Mary",
        "Robert",
        "Patricia",
        "Michael",
        "Jennifer",
        "David",
        "Linda",
        "William",
        "Elizabeth",
        "Emily",
        "Daniel",
        "Olivia",
        "Ethan",
        "Ashley",
        "Tyler",
    ],
];

/// Family names per region (same order as [`REGIONS`]).
pub(crate) const LAST_NAMES: [[&str; 16]; 4] = [
    [
        "Wang", "Li", "Zhang", "Tanaka", "Sato", "Suzuki", "Kim", "Park", "Lee", "Sharma", "Patel",
        "Nguyen", "Tran", "Wong", "Singh", "Chen",
    ],
    [
        "Muller",
        "Schmidt",
        "Dubois",
        "Rossi",
        "Jansen",
        "Novak",
        "Kowalski",
        "Andersson",
        "Nielsen",
        "Haddad",
        "Okafor",
        "Mensah",
        "Fischer",
        "Bernard",
        "Costa",
        "Weber",
    ],
    [
        "Gonzalez",
        "Rodriguez",
        "Silva",
        "Santos",
        "Fernandez",
        "Lopez",
        "Martinez",
        "Pereira",
        "Gomez",
        "Oliveira",
        "Ramirez",
        "Torres",
        "Souza",
        "Castro",
        "Vargas",
        "Herrera",
    ],
    [
        "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson",
        "Taylor", "Thomas", "Moore", "Martin", "Jackson", "Thompson", "White",
    ],
];

/// The first word of a company name.
pub(crate) const COMPANY_STEMS: [&str; 20] = [
    "Northwind",
    "Bluepeak",
    "Redwood",
    "Ironbridge",
    "Silverline",
    "Brightwater",
    "Stonegate",
    "Evergreen",
    "Lakeshore",
    "Highland",
    "Copperfield",
    "Greenfield",
    "Westbrook",
    "Oakridge",
    "Harborview",
    "Sunrise",
    "Crescent",
    "Pinecrest",
    "Riverbend",
    "Foxglove",
];

/// What a company does, the second word of its name.
pub(crate) const COMPANY_TRADES: [&str; 12] = [
    "Logistics",
    "Foods",
    "Labs",
    "Retail",
    "Systems",
    "Health",
    "Media",
    "Consulting",
    "Manufacturing",
    "Energy",
    "Analytics",
    "Builders",
];

/// Legal-form suffixes per region (same order as [`REGIONS`]).
pub(crate) const LEGAL_FORMS: [[&str; 3]; 4] = [
    ["Pte. Ltd.", "Pty Ltd", "K.K."],
    ["GmbH", "Ltd", "S.A.S."],
    ["S.A.", "Ltda.", "S.A. de C.V."],
    ["Inc.", "LLC", "Corp."],
];

/// Mailboxes that companies order from.
pub(crate) const COMPANY_MAILBOXES: [&str; 5] =
    ["purchasing", "orders", "procurement", "it", "accounts"];

/// Domains for consumers' addresses: reserved for examples, so no real inbox is ever named.
pub(crate) const CONSUMER_DOMAINS: [&str; 3] = ["example.com", "example.net", "example.org"];

/// A product category: its name, SKU prefix, the product lines and the three models each line
/// comes in, with each model's price range in whole dollars.
pub(crate) struct Category {
    /// Category name as stored in `products.category`.
    pub(crate) name: &'static str,
    /// Prefix of the SKUs of the category's products.
    pub(crate) sku_prefix: &'static str,
    /// Product line names; each line has every model.
    pub(crate) lines: [&'static str; 5],
    /// Model name and price range in dollars (inclusive).
    pub(crate) models: [(&'static str, u32, u32); 3],
}

/// The catalogue: 8 categories of 5 lines times 3 models, 120 products.
pub(crate) const CATEGORIES: [Category; 8] = [
    Category {
        name: "Laptops",
        sku_prefix: "LAP",
        lines: ["Aero", "Forge", "Nimbus", "Vector", "Atlas"],
        models: [
            ("13 Laptop", 699, 999),
            ("14 Pro Laptop", 1199, 1699),
            ("16 Max Laptop", 1799, 2799),
        ],
    },
    Category {
        name: "Monitors",
        sku_prefix: "MON",
        lines: ["Clarity", "Horizon", "Prism", "Lumen", "Vista"],
        models: [
            ("24 FHD Monitor", 149, 229),
            ("27 QHD Monitor", 279, 399),
            ("32 4K Monitor", 449, 699),
        ],
    },
    Category {
        name: "Accessories",
        sku_prefix: "ACC",
        lines: ["Swift", "Keystone", "Orbit", "Pulse", "Glide"],
        models: [
            ("Wireless Mouse", 19, 59),
            ("Mechanical Keyboard", 69, 149),
            ("USB-C Dock", 129, 249),
        ],
    },
    Category {
        name: "Networking",
        sku_prefix: "NET",
        lines: ["Meridian", "Relay", "Beacon", "Mesh", "Trident"],
        models: [
            ("Wi-Fi 7 Router", 179, 349),
            ("24-Port Switch", 229, 499),
            ("Access Point", 119, 249),
        ],
    },
    Category {
        name: "Storage",
        sku_prefix: "STO",
        lines: ["Vault", "Cache", "Anchor", "Quarry", "Ledger"],
        models: [
            ("1 TB NVMe SSD", 79, 129),
            ("4 TB Portable SSD", 249, 399),
            ("8-Bay NAS", 899, 1499),
        ],
    },
    Category {
        name: "Software",
        sku_prefix: "SW",
        lines: ["Ledgerly", "Draftwise", "Shieldr", "Syncpoint", "Quill"],
        models: [
            ("Personal License", 49, 99),
            ("Team License (10 seats)", 399, 799),
            ("Enterprise Subscription (1 year)", 1999, 4999),
        ],
    },
    Category {
        name: "Furniture",
        sku_prefix: "FUR",
        lines: ["Ergo", "Summit", "Haven", "Loft", "Ridge"],
        models: [
            ("Office Chair", 249, 699),
            ("Standing Desk", 449, 999),
            ("Monitor Arm", 79, 199),
        ],
    },
    Category {
        name: "Audio",
        sku_prefix: "AUD",
        lines: ["Echo", "Cadence", "Tempo", "Sonata", "Resonance"],
        models: [
            ("Wireless Earbuds", 79, 199),
            ("Noise-Cancelling Headphones", 199, 399),
            ("Conference Speakerphone", 129, 299),
        ],
    },
];
