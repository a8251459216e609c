/** One parameter of a flat profile: its element name, value and canonical source. */
export interface CiscoEntry {
  name: string;
  value: string;
  from?: string;
  /** Further canonical keys the entry expresses (a port inside an address). */
  also?: string[];
}
