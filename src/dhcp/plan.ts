// What a generated DHCP snippet says, before any server's syntax: for each vendor, how its
// phones are told apart (option 60 prefixes, MAC prefixes) and which options they get.
// The knowledge comes from the drivers; this file only gathers it.

import type { DhcpChoices, DhcpOffer, DoorUrls, Driver } from '../drivers/driver.ts';
import { fail, ok, type Result } from '../errors.ts';
import { encodeValue, type DhcpValue } from '../formats/dhcp-options.ts';

export interface VendorPlan {
  vendor: string;
  /** Option 60 prefixes, as the phones send them. */
  vendorClasses: readonly string[];
  /** OUIs, 6 lowercase hex digits. */
  macPrefixes: readonly string[];
  /** What the phones get; absent when no door they can use is on. */
  offer?: DhcpOffer;
  /** Why the snippet gives this vendor nothing, when it does not. */
  skipped?: string;
}

export interface SitePlan {
  doors: DoorUrls;
  choices: DhcpChoices;
  vendors: VendorPlan[];
  /** The command-line flags that shaped it beyond the doors, for the snippet's head. */
  flags: string[];
}

export interface PlanOptions {
  doors: DoorUrls;
  choices?: DhcpChoices;
  /** Only these vendors (every vendor with DHCP knowledge when empty). */
  vendors?: readonly string[];
  /** The operator's word on option 60 prefixes and OUIs, replacing the drivers' for a vendor. */
  vendorClasses?: Readonly<Record<string, readonly string[]>>;
  macPrefixes?: Readonly<Record<string, readonly string[]>>;
}

/** Class and tag names in the snippets: `plugndial-<vendor>`. */
export function className(vendor: string): string {
  return `plugndial-${vendor}`;
}

/** Text generators put inside quotes: no quotes, backslashes or control characters. */
const SAFE_CLASS = /^[\x20-\x7e]+$/;

export function planSite(drivers: readonly Driver[], options: PlanOptions): Result<SitePlan> {
  const choices = options.choices ?? {};
  const known = new Map<string, Driver>();
  for (const driver of drivers)
    if (driver.dhcp) for (const vendor of driver.vendors) known.set(vendor, driver);
  const wanted = options.vendors?.length ? [...new Set(options.vendors)] : [...known.keys()];
  for (const vendor of [
    ...wanted,
    ...Object.keys(options.vendorClasses ?? {}),
    ...Object.keys(options.macPrefixes ?? {}),
  ]) {
    if (!known.has(vendor))
      return fail(
        'PND_UNKNOWN_VENDOR',
        `"${vendor.slice(0, 40)}" has no DHCP knowledge; expected one of ${[...known.keys()].sort().join(', ')}`,
      );
  }
  const vendors: VendorPlan[] = [];
  for (const vendor of wanted) {
    const driver = known.get(vendor)!;
    const dhcp = driver.dhcp!;
    const vendorClasses = options.vendorClasses?.[vendor] ?? dhcp.vendorClasses[vendor] ?? [];
    for (const prefix of vendorClasses)
      // dnsmasq separates a vendor class from its tag by a comma: one inside cannot be said.
      if (!SAFE_CLASS.test(prefix) || /["'\\,]/.test(prefix))
        return fail(
          'PND_DHCP_OPTION',
          `vendor class "${prefix.slice(0, 40)}" for ${vendor}: printable characters only, no quotes, backslashes or commas`,
        );
    const macPrefixes = options.macPrefixes?.[vendor] ?? dhcp.macPrefixes[vendor] ?? [];
    const provisioningUrl = driver.provisioningUrl?.(options.doors);
    const offer = dhcp.offer(vendor, {
      doors: options.doors,
      ...choices,
      ...(provisioningUrl ? { provisioningUrl } : {}),
    });
    const plan: VendorPlan = { vendor, vendorClasses, macPrefixes };
    if (!offer) plan.skipped = 'no door its phones fetch from is on';
    else if (vendorClasses.length + macPrefixes.length === 0)
      plan.skipped = `no vendor class or MAC prefix is known: name one with --vendor-class ${vendor}=… or --mac-prefix ${vendor}=…`;
    if (offer) {
      for (const option of offer.options) {
        const bytes = encodeValue(option.value);
        if (!bytes.ok)
          return fail(
            'PND_DHCP_OPTION',
            `${vendor}, option ${option.code}: ${bytes.error.message}`,
          );
      }
      plan.offer = offer;
    }
    vendors.push(plan);
  }
  // One option code is declared once in each server's syntax: its vendors must agree on its type.
  const kinds = new Map<number, { kind: string; vendor: string }>();
  for (const v of vendors) {
    for (const option of v.skipped ? [] : (v.offer?.options ?? [])) {
      const seen = kinds.get(option.code);
      if (seen && seen.kind !== option.value.kind && option.code !== 43)
        return fail(
          'PND_DHCP_OPTION',
          `option ${option.code} carries ${seen.kind} for ${seen.vendor} and ${option.value.kind} for ${v.vendor}: choose another --custom-option, or give the snippet one of them with --vendor`,
        );
      if (!seen) kinds.set(option.code, { kind: option.value.kind, vendor: v.vendor });
    }
  }
  const flags = [
    ...(options.vendors ?? []).map((v) => `--vendor ${v}`),
    ...(choices.customOption ? [`--custom-option ${choices.customOption}`] : []),
    ...Object.entries(options.vendorClasses ?? {}).flatMap(([v, list]) =>
      list.length ? list.map((c) => `--vendor-class ${v}=${c}`) : [`--vendor-class ${v}=`],
    ),
    ...Object.entries(options.macPrefixes ?? {}).flatMap(([v, list]) =>
      list.length ? list.map((p) => `--mac-prefix ${v}=${p}`) : [`--mac-prefix ${v}=`],
    ),
  ];
  return ok({ doors: options.doors, choices, vendors, flags });
}

/** Vendors the snippet gives options to. */
export function served(plan: SitePlan): (VendorPlan & { offer: DhcpOffer })[] {
  return plan.vendors.filter(
    (v): v is VendorPlan & { offer: DhcpOffer } => v.offer !== undefined && !v.skipped,
  );
}

/** Every vendor class any served vendor claims: a MAC prefix applies only to phones sending none. */
export function allVendorClasses(plan: SitePlan): string[] {
  return [...new Set(served(plan).flatMap((v) => v.vendorClasses))];
}

/** What each option code the snippet sends carries (one kind per code; planSite checks). */
export function optionKind(plan: SitePlan, code: number): DhcpValue['kind'] {
  for (const v of served(plan))
    for (const option of v.offer.options) if (option.code === code) return option.value.kind;
  return 'text';
}

/** Option codes the snippet sends that a server may not know by name (160, 128–254, …). */
export function optionCodes(plan: SitePlan): number[] {
  return [...new Set(served(plan).flatMap((v) => v.offer.options.map((o) => o.code)))].sort(
    (a, b) => a - b,
  );
}

/** The head every snippet starts with, as comment lines (without the comment marker). */
export function summary(plan: SitePlan, format: string, include: string): string[] {
  const doors = Object.entries(plan.doors)
    .map(([name, url]) => `${name} ${url}`)
    .join(', ');
  const lines = [
    `plugndial: DHCP options that point SIP desk phones at plugndial (${format}).`,
    ['Generated by: plugndial dhcp --format', format, ...plan.flags].join(' '),
    `Doors: ${doors || 'none'}`,
    // dnsmasq's dhcp-vendorclass finds its text anywhere in option 60; ISC and Kea test a prefix.
    format === 'dnsmasq'
      ? 'A phone is matched by its vendor class (option 60, anywhere in it: dnsmasq matches a'
      : 'A phone is matched by its vendor class (option 60, a prefix); by its MAC prefix only',
    ...(format === 'dnsmasq'
      ? [
          'part, so a short class may take other phones too; narrow it with --vendor-class);',
          'by its MAC prefix only when it sent none of the vendor classes below. Address ranges',
          'stay yours.',
        ]
      : ['when it sent none of the vendor classes below. Address ranges stay yours.']),
    include,
  ];
  for (const v of plan.vendors) if (v.skipped) lines.push(`${v.vendor}: left out, ${v.skipped}.`);
  return lines;
}

/** A comment line per served vendor: the URL and which option carries it. */
export function vendorHeading(v: VendorPlan & { offer: DhcpOffer }): string {
  const codes = v.offer.options.map((o) => o.code).join(', ');
  return `${v.vendor}: ${v.offer.url} (option${v.offer.options.length > 1 ? 's' : ''} ${codes})`;
}

/** `00:15:65` from `001565`. */
export function ouiBytes(prefix: string): string[] {
  return prefix.match(/../g) ?? [];
}
