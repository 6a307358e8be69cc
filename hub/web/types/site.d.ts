// The office (hub config `site`) or the province (central config), generated at start (see text.d.ts).
declare const site: { name: string; timeZone: string };
export default site;
