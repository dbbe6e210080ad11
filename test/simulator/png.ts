import { crc32, deflateSync } from 'node:zlib';

function chunk(type: string, data: Buffer): Buffer {
	const length = Buffer.alloc(4);
	length.writeUInt32BE(data.length);
	const typeAndData = Buffer.concat([Buffer.from(type, 'ascii'), data]);
	const crc = Buffer.alloc(4);
	crc.writeUInt32BE(crc32(typeAndData));
	return Buffer.concat([length, typeAndData, crc]);
}

/** A valid RGB PNG with a gradient seeded by `seed`, so each prediction's image differs. */
export function makePng(width: number, height: number, seed = 0): Buffer {
	const header = Buffer.alloc(13);
	header.writeUInt32BE(width, 0);
	header.writeUInt32BE(height, 4);
	header[8] = 8; // bit depth
	header[9] = 2; // colour type: RGB
	const rows: Buffer[] = [];
	for (let y = 0; y < height; y++) {
		const row = Buffer.alloc(1 + width * 3);
		for (let x = 0; x < width; x++) {
			row[1 + x * 3] = (x * 4 + seed) & 0xff;
			row[2 + x * 3] = (y * 4 + seed * 7) & 0xff;
			row[3 + x * 3] = ((x + y) * 2 + seed * 13) & 0xff;
		}
		rows.push(row);
	}
	return Buffer.concat([
		Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
		chunk('IHDR', header),
		chunk('IDAT', deflateSync(Buffer.concat(rows))),
		chunk('IEND', Buffer.alloc(0)),
	]);
}

/** Width and height of a PNG or JPEG from its first bytes; undefined for anything else. */
export function imageSize(head: Buffer): { width: number; height: number } | undefined {
	if (
		head.length >= 24 &&
		head.readUInt32BE(0) === 0x89504e47 &&
		head.toString('ascii', 12, 16) === 'IHDR'
	) {
		return { width: head.readUInt32BE(16), height: head.readUInt32BE(20) };
	}
	if (head.length >= 4 && head[0] === 0xff && head[1] === 0xd8) {
		let offset = 2;
		while (offset + 9 < head.length) {
			if (head[offset] !== 0xff) return undefined;
			const marker = head[offset + 1];
			const length = head.readUInt16BE(offset + 2);
			// SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the frame size.
			if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
				return { height: head.readUInt16BE(offset + 5), width: head.readUInt16BE(offset + 7) };
			}
			offset += 2 + length;
		}
	}
	return undefined;
}
