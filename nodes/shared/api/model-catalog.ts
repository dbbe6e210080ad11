/**
 * Pruna's models and their input fields: names, types, enums, ranges and defaults as Pruna's
 * OpenAPI document (0.5.3) defines them. The Create Prediction node builds its parameters from this
 * list and sends only fields a model defines; the test simulator validates inputs against it.
 */

export type ModelTask =
	| 'textToImage'
	| 'imageEditing'
	| 'upscaling'
	| 'tryOn'
	| 'video'
	| 'loraTraining';

export const taskNames: Record<ModelTask, string> = {
	textToImage: 'Text to Image',
	imageEditing: 'Image Editing',
	upscaling: 'Upscaling',
	tryOn: 'Try-On',
	video: 'Video',
	loraTraining: 'LoRA Training',
};

/** `url` fields take one URL (a Pruna upload's `url` or any public https URL); `urlList` several. */
export type ModelFieldType =
	| 'string'
	| 'secret'
	| 'url'
	| 'urlList'
	| 'stringList'
	| 'integer'
	| 'number'
	| 'numberList'
	| 'boolean'
	| 'choice';

export type ModelFieldValue = string | number | boolean;

export interface ModelField {
	name: string;
	type: ModelFieldType;
	required?: true;
	default?: ModelFieldValue;
	choices?: ReadonlyArray<string | number>;
	min?: number;
	max?: number;
	multipleOf?: number;
	minItems?: number;
	maxItems?: number;
	/** What the field means for this model, where the general description would mislead. */
	about?: string;
}

export interface PrunaModel {
	name: string;
	task: ModelTask;
	summary: string;
	requestsPerMinute: number;
	fields: ModelField[];
}

/** What each field does, in a line; `ModelField.about` overrides it for one model. */
const fieldDescriptions: Record<string, string> = {
	aspect_ratio: 'Shape of the output. "match_input_image" keeps the first input image\'s shape.',
	audio: 'An audio file that drives the video: a URL',
	creativity: 'Higher values vary the results more from seed to seed',
	default_caption: 'Caption for images that have no caption file; training fails without one',
	disable_prompt_upsampling: 'Use the video prompt as written, without automatic enhancement',
	disable_safety_checker: 'Turn off the check of the generated output for unsafe content',
	disable_safety_filter: 'Turn off the check of the prompt and input image for unsafe content',
	draft: 'A quicker, lower-quality preview; with the same seed it matches the full render',
	duration: 'Length of the video in seconds (ignored when audio is given)',
	enhance_details: 'Sharpen fine textures; may add contrast and small deviations',
	enhance_prompt: 'Let the model enrich the prompt before generating',
	enhance_realism: 'Make the result more photographic; suits AI-generated images',
	extra_lora: 'A second LoRA: Hugging Face owner/model[/file.safetensors]',
	extra_lora_scale: 'How strongly the extra LoRA(s) apply',
	extra_lora_weights: 'More LoRA weights (URLs), one per entry',
	fps: 'Frames per second of the video',
	frame_num: 'Number of frames to generate',
	frames_per_second: 'Frames per second of the video',
	garment_images: 'The garments to put on the person: URLs (up to 6 recommended, 11 at most)',
	go_fast: 'Extra speed optimizations',
	guidance: 'How closely the image follows the prompt; lower looks more natural',
	guidance_scale: 'How closely the image follows the prompt (0 suits turbo models)',
	height: 'Height in pixels (with aspect ratio "custom" where the model has it; multiples of 16)',
	hf_api_token: 'Hugging Face token, for LoRA weights that need one. Never stored in the output.',
	ignore_audio: "Ignore the source video's audio while generating (it can still be saved)",
	image: 'Input image: a URL',
	image_data: 'A zip archive of training images: a URL',
	image_size: 'Output size setting',
	images: 'Input images, main image first: URLs, one per entry',
	instruction_prompt: 'Extra instructions for the edit',
	interpolate_output: 'Interpolate the video to 30 fps',
	juiced: 'Extra speed optimizations',
	last_frame_image: 'The image the video should end on: a URL',
	last_image: 'An optional last frame, for a smoother ending: a URL',
	learning_rate: 'Learning rate of the LoRA training',
	lora: 'LoRA weights: Hugging Face owner/model[/file.safetensors]',
	lora_scale: 'How strongly the LoRA applies',
	lora_scale_transformer: 'How strongly the first transformer LoRA applies',
	lora_scale_transformer_2: 'How strongly the second transformer LoRA applies',
	lora_scales: 'One strength per LoRA, in the order of the LoRA weights',
	lora_weights: 'LoRA weights: a Hugging Face repository URL (huggingface.co/owner/model)',
	lora_weights_transformer:
		'LoRA weights (.safetensors URL) for the first (high-noise) transformer',
	lora_weights_transformer_2:
		'LoRA weights (.safetensors URL) for the second (low-noise) transformer',
	megapixels: 'Approximate output size in megapixels',
	negative_prompt: 'What the output should not contain',
	num_frames: 'Number of frames (81 works best)',
	num_inference_steps: 'Denoising steps: more is slower and finer',
	num_outputs: 'How many images to generate',
	optimize_prompt: 'Translate the prompt to Chinese before generating',
	output_format: 'File format of the output',
	output_megapixels: 'Output size in megapixels',
	output_quality: 'Compression quality for jpg and webp (100 is best)',
	person_image: 'The person to dress: a URL',
	preserve_input_size: "Return the result at the person image's resolution",
	prompt: 'What to generate, in words',
	prompt_strength: 'How much the prompt may change the input image (1 replaces it entirely)',
	prompt_upsampling: 'Let a language model expand the prompt first',
	reference_pose: 'Repose the person to match this image first: a URL',
	resolution: 'Output resolution',
	sample_guide_scale: 'Guidance scale of the sampler',
	sample_shift: 'Sampler shift',
	sample_solver: 'Sampler algorithm',
	sample_steps: 'Sampling steps',
	save_audio: 'Keep the audio in the output video',
	seed: 'Fix the seed to reproduce a result; leave unset for a random one',
	size: 'Output resolution (width*height)',
	speed_mode: 'Trade consistency for speed',
	src_mask: 'A mask video or image marking what to edit: a URL',
	src_ref_images: 'Reference images for the edit: URLs, one per entry',
	src_video: 'The video to edit: a URL',
	steps: 'Training steps (a multiple of 100)',
	strength: 'How far to move from the input image (image to image)',
	strength_negative_prompt: 'How strongly the negative prompt applies',
	target: 'Target size in megapixels',
	target_fps: 'Frame rate to work at ("original" keeps the source\'s)',
	training_type: 'What the LoRA should learn: content, style, or both',
	turbo: 'Faster, slightly less careful; turn off for complex tasks',
	video: 'The source video: a URL',
	video_prompt: 'How the person should look or behave while speaking',
	voice: 'Voice that speaks the script',
	voice_language: 'Language and accent of the speech',
	voice_prompt: 'How to speak the script: tone, pace, emotion (not spoken)',
	voice_script: 'The exact words to say (needed when no audio is given)',
	width: 'Width in pixels (with aspect ratio "custom" where the model has it; multiples of 16)',
};

export function describeField(field: ModelField): string {
	return field.about ?? fieldDescriptions[field.name] ?? '';
}

/** Words that are acronyms in field names, so `hf_api_token` reads "HF API Token". */
const acronyms = new Set(['api', 'fps', 'hf', 'lora', 'url']);

export function fieldDisplayName(fieldName: string): string {
	return fieldName
		.split('_')
		.map((word) =>
			acronyms.has(word) ? word.toUpperCase() : word.charAt(0).toUpperCase() + word.slice(1),
		)
		.join(' ')
		.replace('LORA', 'LoRA');
}

/** p-image's input; p-image-lora takes exactly the same (OpenAPI 0.5.3). */
const pImageFields: ModelField[] = [
	{ name: 'prompt', type: 'string', required: true },
	{
		name: 'aspect_ratio',
		type: 'choice',
		default: '16:9',
		choices: ['1:1', '16:9', '9:16', '4:3', '3:4', '3:2', '2:3', 'custom'],
	},
	{ name: 'disable_safety_checker', type: 'boolean', default: false },
	{ name: 'height', type: 'integer', min: 256, max: 1440 },
	{ name: 'hf_api_token', type: 'secret' },
	{ name: 'lora_scale', type: 'number', default: 0.5, min: -1, max: 3 },
	{ name: 'lora_weights', type: 'string' },
	{ name: 'prompt_upsampling', type: 'boolean', default: false },
	{ name: 'seed', type: 'integer' },
	{ name: 'width', type: 'integer', min: 256, max: 1440 },
];

/** Every model of Pruna's API, in the order of its documentation. */
export const prunaModels: readonly PrunaModel[] = [
	{
		name: 'flux-dev',
		task: 'textToImage',
		summary: 'FLUX.1 [dev], accelerated by Pruna',
		requestsPerMinute: 150,
		fields: [
			{ name: 'prompt', type: 'string', required: true },
			{
				name: 'aspect_ratio',
				type: 'choice',
				default: '1:1',
				choices: ['1:1', '16:9', '21:9', '3:2', '2:3', '4:5', '5:4', '3:4', '4:3', '9:16', '9:21'],
			},
			{ name: 'guidance', type: 'number', default: 3.5 },
			{ name: 'image_size', type: 'integer', default: 1024 },
			{ name: 'num_inference_steps', type: 'integer', default: 28 },
			{ name: 'output_format', type: 'choice', default: 'jpg', choices: ['png', 'jpg', 'webp'] },
			{ name: 'output_quality', type: 'integer', default: 80, min: 1, max: 100 },
			{ name: 'seed', type: 'integer', default: -1 },
			{
				name: 'speed_mode',
				type: 'choice',
				default: 'Extra Juiced 🔥 (more speed)',
				choices: [
					'Lightly Juiced 🍊 (more consistent)',
					'Juiced 🔥 (default)',
					'Extra Juiced 🔥 (more speed)',
					'Blink of an eye 👁️',
				],
			},
		],
	},
	{
		name: 'flux-dev-lora',
		task: 'imageEditing',
		summary: 'FLUX.1 [dev] with LoRAs, text to image or image to image',
		requestsPerMinute: 150,
		fields: [
			{ name: 'prompt', type: 'string', required: true },
			{
				name: 'aspect_ratio',
				type: 'choice',
				default: '1:1',
				choices: ['1:1', '16:9', '21:9', '3:2', '2:3', '4:5', '5:4', '3:4', '4:3', '9:16', '9:21'],
			},
			{ name: 'extra_lora', type: 'string' },
			{ name: 'extra_lora_scale', type: 'number', default: 1, min: -1, max: 3 },
			{ name: 'guidance', type: 'number', default: 3, min: 0, max: 10 },
			{
				name: 'image',
				type: 'url',
				about: 'Start from this image (image to image): a URL. The output takes its aspect ratio.',
			},
			{ name: 'lora', type: 'string' },
			{ name: 'lora_scale', type: 'number', default: 1, min: -1, max: 3 },
			{ name: 'megapixels', type: 'choice', default: '1', choices: ['1', '0.25'] },
			{ name: 'num_inference_steps', type: 'integer', default: 28 },
			{ name: 'num_outputs', type: 'integer', default: 1, min: 1, max: 4 },
			{ name: 'output_format', type: 'choice', default: 'jpg', choices: ['png', 'jpg', 'webp'] },
			{ name: 'output_quality', type: 'integer', default: 80, min: 1, max: 100 },
			{ name: 'prompt_strength', type: 'number', default: 0.8, min: 0, max: 1 },
			{ name: 'seed', type: 'integer' },
			{
				name: 'speed_mode',
				type: 'choice',
				default: 'Juiced 🧃',
				choices: ['Base Model (compiled)', 'Lightly Juiced 🍊', 'Juiced 🧃', 'Extra Juiced 🔥'],
			},
		],
	},
	{
		name: 'flux-2-klein-4b',
		task: 'textToImage',
		summary: 'FLUX.2 [klein] 4B: text to image, optionally guided by reference images',
		requestsPerMinute: 150,
		fields: [
			{ name: 'prompt', type: 'string', required: true },
			{
				name: 'aspect_ratio',
				type: 'choice',
				default: '1:1',
				choices: [
					'1:1',
					'16:9',
					'9:16',
					'3:2',
					'2:3',
					'4:3',
					'3:4',
					'5:4',
					'4:5',
					'21:9',
					'9:21',
					'match_input_image',
				],
			},
			{ name: 'disable_safety_checker', type: 'boolean', default: false },
			{ name: 'go_fast', type: 'boolean', default: false },
			{ name: 'images', type: 'urlList' },
			{ name: 'output_format', type: 'choice', default: 'jpg', choices: ['webp', 'jpg', 'png'] },
			{
				name: 'output_megapixels',
				type: 'choice',
				default: '1',
				choices: ['0.25', '0.5', '1', '2', '4'],
			},
			{ name: 'output_quality', type: 'integer', default: 95, min: 0, max: 100 },
			{ name: 'seed', type: 'integer' },
		],
	},
	{
		name: 'wan-i2v',
		task: 'video',
		summary: 'Wan 2.2 image to video, from a first (and optional last) frame',
		requestsPerMinute: 30,
		fields: [
			{
				name: 'image',
				type: 'url',
				required: true,
				about: 'The image the video starts from: a URL',
			},
			{ name: 'prompt', type: 'string', required: true },
			{ name: 'disable_safety_checker', type: 'boolean', default: false },
			{ name: 'frames_per_second', type: 'integer', default: 16, min: 5, max: 30 },
			{ name: 'go_fast', type: 'boolean', default: true },
			{ name: 'interpolate_output', type: 'boolean', default: false },
			{ name: 'last_image', type: 'url' },
			{ name: 'lora_scale_transformer', type: 'number', default: 1 },
			{ name: 'lora_scale_transformer_2', type: 'number', default: 1 },
			{ name: 'lora_weights_transformer', type: 'string' },
			{ name: 'lora_weights_transformer_2', type: 'string' },
			{ name: 'num_frames', type: 'integer', default: 81, min: 81, max: 121 },
			{
				name: 'resolution',
				type: 'choice',
				default: '480p',
				choices: ['480p', '720p'],
				about: 'Output resolution',
			},
			{ name: 'sample_shift', type: 'number', default: 12, min: 1, max: 20 },
			{ name: 'seed', type: 'integer' },
		],
	},
	{
		name: 'wan-t2v',
		task: 'video',
		summary: 'Wan 2.2 text to video, 480p or 720p',
		requestsPerMinute: 30,
		fields: [
			{ name: 'prompt', type: 'string', required: true },
			{ name: 'aspect_ratio', type: 'choice', default: '16:9', choices: ['16:9', '9:16'] },
			{ name: 'disable_safety_checker', type: 'boolean', default: false },
			{ name: 'frames_per_second', type: 'integer', default: 16, min: 5, max: 30 },
			{ name: 'go_fast', type: 'boolean', default: true },
			{ name: 'interpolate_output', type: 'boolean', default: true },
			{ name: 'lora_scale_transformer', type: 'number', default: 1 },
			{ name: 'lora_scale_transformer_2', type: 'number', default: 1 },
			{ name: 'lora_weights_transformer', type: 'string' },
			{ name: 'lora_weights_transformer_2', type: 'string' },
			{ name: 'num_frames', type: 'integer', default: 81, min: 81, max: 121 },
			{ name: 'optimize_prompt', type: 'boolean', default: false },
			{
				name: 'resolution',
				type: 'choice',
				default: '480p',
				choices: ['480p', '720p'],
				about: 'Output resolution',
			},
			{ name: 'sample_shift', type: 'number', default: 12, min: 1, max: 20 },
			{ name: 'seed', type: 'integer' },
		],
	},
	{
		name: 'wan-image-small',
		task: 'textToImage',
		summary: 'Wan image model, small and quick; up to four images per call',
		requestsPerMinute: 150,
		fields: [
			{ name: 'prompt', type: 'string', required: true },
			{
				name: 'aspect_ratio',
				type: 'choice',
				default: '16:9',
				choices: ['custom', '1:1', '16:9', '9:16', '4:3', '3:4', '21:9'],
			},
			{ name: 'height', type: 'integer', min: 256, max: 900 },
			{ name: 'juiced', type: 'boolean', default: false },
			{ name: 'num_outputs', type: 'integer', default: 1, min: 1, max: 4 },
			{ name: 'output_format', type: 'choice', default: 'jpg', choices: ['png', 'jpg', 'webp'] },
			{ name: 'output_quality', type: 'integer', default: 80, min: 1, max: 100 },
			{ name: 'seed', type: 'integer' },
			{ name: 'width', type: 'integer', min: 256, max: 900 },
		],
	},
	{
		name: 'qwen-image',
		task: 'textToImage',
		summary: 'Qwen-Image: text to image, image to image, LoRA support',
		requestsPerMinute: 150,
		fields: [
			{ name: 'prompt', type: 'string', required: true },
			{
				name: 'aspect_ratio',
				type: 'choice',
				default: '16:9',
				choices: ['1:1', '16:9', '9:16', '4:3', '3:4', '3:2', '2:3'],
			},
			{ name: 'disable_safety_checker', type: 'boolean', default: false },
			{ name: 'enhance_prompt', type: 'boolean', default: false },
			{ name: 'extra_lora_scale', type: 'numberList' },
			{ name: 'extra_lora_weights', type: 'stringList' },
			{ name: 'go_fast', type: 'boolean', default: true },
			{ name: 'guidance', type: 'number', default: 3, min: 0, max: 10 },
			{ name: 'image', type: 'url', about: 'Start from this image (image to image): a URL' },
			{
				name: 'image_size',
				type: 'choice',
				default: 'optimize_for_quality',
				choices: ['optimize_for_quality', 'optimize_for_speed'],
			},
			{ name: 'lora_scale', type: 'number', default: 1 },
			{
				name: 'lora_weights',
				type: 'string',
				about: 'LoRA weights for text to image (.safetensors, tar or zip URL)',
			},
			{
				name: 'negative_prompt',
				type: 'string',
				default: ' ',
				about: 'What the image should not show',
			},
			{ name: 'num_inference_steps', type: 'integer', default: 30, min: 1, max: 50 },
			{ name: 'output_format', type: 'choice', default: 'webp', choices: ['webp', 'jpg', 'png'] },
			{ name: 'output_quality', type: 'integer', default: 80, min: 0, max: 100 },
			{ name: 'seed', type: 'integer' },
			{ name: 'strength', type: 'number', default: 0.9, min: 0, max: 1 },
		],
	},
	{
		name: 'qwen-image-fast',
		task: 'textToImage',
		summary: 'Qwen-Image, faster variant with a creativity control',
		requestsPerMinute: 150,
		fields: [
			{ name: 'prompt', type: 'string', required: true },
			{
				name: 'aspect_ratio',
				type: 'choice',
				default: '16:9',
				choices: ['1:1', '16:9', '9:16', '4:3', '3:4', '3:2', '2:3', 'custom'],
			},
			{ name: 'creativity', type: 'number', default: 0.62, min: 0, max: 1 },
			{ name: 'disable_safety_checker', type: 'boolean', default: false },
			{ name: 'height', type: 'integer', min: 256, max: 1440 },
			{ name: 'seed', type: 'integer' },
			{ name: 'width', type: 'integer', min: 256, max: 1440 },
		],
	},
	{
		name: 'qwen-image-edit-plus',
		task: 'imageEditing',
		summary: 'Qwen-Image-Edit-Plus: instruction-based editing of one or more images',
		requestsPerMinute: 150,
		fields: [
			{
				name: 'image',
				type: 'urlList',
				required: true,
				about: 'The images to edit, main image first: URLs',
			},
			{ name: 'prompt', type: 'string', required: true },
			{
				name: 'aspect_ratio',
				type: 'choice',
				default: 'match_input_image',
				choices: ['1:1', '16:9', '9:16', '4:3', '3:4', 'match_input_image'],
			},
			{ name: 'disable_safety_checker', type: 'boolean', default: false },
			{ name: 'go_fast', type: 'boolean', default: true },
			{ name: 'output_format', type: 'choice', default: 'webp', choices: ['webp', 'jpg', 'png'] },
			{ name: 'output_quality', type: 'integer', default: 95, min: 0, max: 100 },
			{ name: 'seed', type: 'integer' },
		],
	},
	{
		name: 'vace',
		task: 'video',
		summary: 'VACE 14B: video editing and generation from video, mask and reference images',
		requestsPerMinute: 30,
		fields: [
			{ name: 'prompt', type: 'string', required: true },
			{ name: 'frame_num', type: 'integer', default: 81 },
			{ name: 'sample_guide_scale', type: 'number', default: 5 },
			{ name: 'sample_shift', type: 'integer', default: 16 },
			{ name: 'sample_solver', type: 'choice', default: 'unipc', choices: ['unipc', 'dpm++'] },
			{ name: 'sample_steps', type: 'integer', default: 50 },
			{ name: 'seed', type: 'integer', default: -1 },
			{
				name: 'size',
				type: 'choice',
				default: '832*480',
				choices: ['720*1280', '1280*720', '480*832', '832*480'],
			},
			{
				name: 'speed_mode',
				type: 'choice',
				default: 'Lightly Juiced 🍊 (more consistent)',
				choices: [
					'Lightly Juiced 🍊 (more consistent)',
					'Juiced 🔥 (more speed)',
					'Extra Juiced 🚀 (even more speed)',
				],
			},
			{ name: 'src_mask', type: 'url' },
			{ name: 'src_ref_images', type: 'urlList' },
			{ name: 'src_video', type: 'url' },
		],
	},
	{
		name: 'p-image',
		task: 'textToImage',
		summary: "Pruna's fast text-to-image model; refines the prompt itself; preset or custom sizes",
		requestsPerMinute: 500,
		fields: pImageFields,
	},
	{
		name: 'p-image-edit',
		task: 'imageEditing',
		summary: "Pruna's image editor: edits or combines 1 to 5 images following an instruction",
		requestsPerMinute: 500,
		fields: [
			{ name: 'prompt', type: 'string', required: true },
			{
				name: 'aspect_ratio',
				type: 'choice',
				default: 'match_input_image',
				choices: ['match_input_image', '1:1', '16:9', '9:16', '4:3', '3:4', '3:2', '2:3'],
			},
			{ name: 'disable_safety_checker', type: 'boolean', default: false },
			{ name: 'images', type: 'urlList', minItems: 1, maxItems: 5 },
			{ name: 'seed', type: 'integer' },
			{ name: 'turbo', type: 'boolean', default: true },
		],
	},
	{
		name: 'p-image-lora',
		task: 'textToImage',
		summary: 'p-image with LoRA weights from Hugging Face (train them with p-image-trainer)',
		requestsPerMinute: 500,
		fields: pImageFields,
	},
	{
		name: 'p-image-edit-lora',
		task: 'imageEditing',
		summary: 'p-image-edit with LoRA weights (train them with p-image-edit-trainer)',
		requestsPerMinute: 500,
		fields: [
			{ name: 'prompt', type: 'string', required: true },
			{
				name: 'aspect_ratio',
				type: 'choice',
				default: 'match_input_image',
				choices: ['match_input_image', '1:1', '16:9', '9:16', '4:3', '3:4', '3:2', '2:3'],
			},
			{ name: 'disable_safety_checker', type: 'boolean', default: false },
			{ name: 'hf_api_token', type: 'secret' },
			{ name: 'images', type: 'urlList' },
			{ name: 'lora_scale', type: 'number', default: 1, min: -1, max: 3 },
			{ name: 'lora_weights', type: 'string' },
			{ name: 'seed', type: 'integer' },
			{ name: 'turbo', type: 'boolean', default: true },
		],
	},
	{
		name: 'z-image-turbo',
		task: 'textToImage',
		summary: 'Z-Image Turbo: few-step text to image up to 2048 px',
		requestsPerMinute: 150,
		fields: [
			{ name: 'prompt', type: 'string', required: true },
			{ name: 'go_fast', type: 'boolean', default: false },
			{ name: 'guidance_scale', type: 'number', default: 0, min: 0, max: 20 },
			{ name: 'height', type: 'integer', default: 1024, min: 64, max: 2048 },
			{ name: 'num_inference_steps', type: 'integer', default: 8, min: 1, max: 50 },
			{ name: 'output_format', type: 'choice', default: 'jpg', choices: ['png', 'jpg', 'webp'] },
			{ name: 'output_quality', type: 'integer', default: 80, min: 0, max: 100 },
			{ name: 'seed', type: 'integer' },
			{ name: 'width', type: 'integer', default: 1024, min: 64, max: 2048 },
		],
	},
	{
		name: 'z-image-turbo-lora',
		task: 'textToImage',
		summary: 'Z-Image Turbo with one or more LoRAs',
		requestsPerMinute: 150,
		fields: [
			{ name: 'prompt', type: 'string', required: true },
			{ name: 'guidance_scale', type: 'number', default: 0, min: 0, max: 20 },
			{ name: 'height', type: 'integer', default: 1024, min: 64, max: 1440 },
			{ name: 'lora_scales', type: 'numberList' },
			{
				name: 'lora_weights',
				type: 'stringList',
				about: 'LoRA weights (.safetensors, tar or zip URLs), one per entry',
			},
			{ name: 'num_inference_steps', type: 'integer', default: 8, min: 1, max: 50 },
			{ name: 'output_format', type: 'choice', default: 'jpg', choices: ['png', 'jpg', 'webp'] },
			{ name: 'output_quality', type: 'integer', default: 80, min: 0, max: 100 },
			{ name: 'seed', type: 'integer' },
			{ name: 'width', type: 'integer', default: 1024, min: 64, max: 1440 },
		],
	},
	{
		name: 'p-video',
		task: 'video',
		summary: "Pruna's video model: text or image to video, with optional audio, up to 20 s",
		requestsPerMinute: 250,
		fields: [
			{ name: 'prompt', type: 'string', required: true },
			{
				name: 'aspect_ratio',
				type: 'choice',
				default: '16:9',
				choices: ['16:9', '9:16', '4:3', '3:4', '3:2', '2:3', '1:1'],
			},
			{ name: 'audio', type: 'url' },
			{ name: 'disable_safety_filter', type: 'boolean', default: true },
			{ name: 'draft', type: 'boolean', default: false },
			{ name: 'duration', type: 'integer', default: 5, min: 1, max: 20 },
			{ name: 'fps', type: 'choice', default: 24, choices: [24, 48] },
			{ name: 'image', type: 'url', about: 'First frame of the video (image to video): a URL' },
			{ name: 'last_frame_image', type: 'url' },
			{ name: 'prompt_upsampling', type: 'boolean', default: true },
			{ name: 'resolution', type: 'choice', default: '720p', choices: ['720p', '1080p'] },
			{ name: 'save_audio', type: 'boolean', default: true },
			{ name: 'seed', type: 'integer' },
		],
	},
	{
		name: 'p-video-animate',
		task: 'video',
		summary: "Animates the subject of an image with a source video's motion",
		requestsPerMinute: 50,
		fields: [
			{ name: 'image', type: 'url', required: true, about: 'The subject to animate: a URL' },
			{
				name: 'video',
				type: 'url',
				required: true,
				about: 'The source video (.mp4) that gives motion and audio: a URL',
			},
			{ name: 'disable_safety_checker', type: 'boolean', default: false },
			{ name: 'ignore_audio', type: 'boolean', default: false },
			{
				name: 'instruction_prompt',
				type: 'string',
				default: '',
				about: "How to animate the subject with the source video's motion",
			},
			{ name: 'resolution', type: 'choice', default: '720p', choices: ['720p', '1080p'] },
			{ name: 'save_audio', type: 'boolean', default: true },
			{ name: 'seed', type: 'integer' },
			{
				name: 'target_fps',
				type: 'choice',
				default: 'original',
				choices: ['original', '24', '48'],
			},
			{ name: 'turbo', type: 'boolean', default: false },
		],
	},
	{
		name: 'p-video-replace',
		task: 'video',
		summary: 'Replaces the people in a video with the people of reference images',
		requestsPerMinute: 50,
		fields: [
			{
				name: 'images',
				type: 'urlList',
				required: true,
				about: '1 to 3 identity reference images to place into the video: URLs',
			},
			{
				name: 'video',
				type: 'url',
				required: true,
				about: 'The source video (.mp4) whose people are replaced: a URL',
			},
			{ name: 'disable_safety_checker', type: 'boolean', default: false },
			{ name: 'ignore_audio', type: 'boolean', default: false },
			{
				name: 'instruction_prompt',
				type: 'string',
				default: '',
				about: 'How to place the reference people into the scene',
			},
			{ name: 'resolution', type: 'choice', default: '720p', choices: ['720p', '1080p'] },
			{ name: 'save_audio', type: 'boolean', default: true },
			{ name: 'seed', type: 'integer' },
			{
				name: 'target_fps',
				type: 'choice',
				default: 'original',
				choices: ['original', '24', '48'],
			},
			{ name: 'turbo', type: 'boolean', default: false },
		],
	},
	{
		name: 'p-video-avatar',
		task: 'video',
		summary: 'Talking avatar: a portrait speaks a script or an audio track',
		requestsPerMinute: 50,
		fields: [
			{ name: 'image', type: 'url', required: true, about: 'The portrait that speaks: a URL' },
			{ name: 'audio', type: 'url' },
			{ name: 'disable_prompt_upsampling', type: 'boolean', default: false },
			{ name: 'disable_safety_filter', type: 'boolean', default: true },
			{
				name: 'negative_prompt',
				type: 'string',
				default: '',
				about: 'What the video should not show',
			},
			{ name: 'resolution', type: 'choice', default: '720p', choices: ['720p', '1080p'] },
			{ name: 'seed', type: 'integer' },
			{ name: 'strength_negative_prompt', type: 'number', default: 0.5, min: 0, max: 4 },
			{ name: 'video_prompt', type: 'string', default: 'The person is talking.' },
			{
				name: 'voice',
				type: 'choice',
				default: 'Zephyr (Female)',
				choices: [
					'Zephyr (Female)',
					'Puck (Male)',
					'Charon (Male)',
					'Kore (Female)',
					'Fenrir (Male)',
					'Leda (Female)',
					'Orus (Male)',
					'Aoede (Female)',
					'Callirrhoe (Female)',
					'Autonoe (Female)',
					'Enceladus (Male)',
					'Iapetus (Male)',
					'Umbriel (Male)',
					'Algenib (Male)',
					'Despina (Female)',
					'Erinome (Female)',
					'Laomedeia (Female)',
					'Achernar (Female)',
					'Algieba (Male)',
					'Schedar (Male)',
					'Gacrux (Female)',
					'Pulcherrima (Female)',
					'Achird (Male)',
					'Zubenelgenubi (Male)',
					'Vindemiatrix (Female)',
					'Sadachbia (Male)',
					'Sadaltager (Male)',
					'Sulafat (Female)',
					'Alnilam (Male)',
					'Rasalgethi (Male)',
				],
			},
			{
				name: 'voice_language',
				type: 'choice',
				default: 'English (US)',
				choices: [
					'English (US)',
					'English (UK)',
					'Spanish',
					'French',
					'German',
					'Italian',
					'Portuguese (Brazil)',
					'Japanese',
					'Korean',
					'Hindi',
				],
			},
			{ name: 'voice_prompt', type: 'string', default: 'Say the following.' },
			{ name: 'voice_script', type: 'string', default: '' },
		],
	},
	{
		name: 'p-image-upscale',
		task: 'upscaling',
		summary: 'Upscales an image to a target size in megapixels',
		requestsPerMinute: 500,
		fields: [
			{ name: 'image', type: 'url', required: true, about: 'The image to upscale: a URL' },
			{ name: 'disable_safety_checker', type: 'boolean', default: false },
			{ name: 'enhance_details', type: 'boolean', default: false },
			{ name: 'enhance_realism', type: 'boolean', default: false },
			{ name: 'output_format', type: 'choice', default: 'jpg', choices: ['webp', 'jpg', 'png'] },
			{ name: 'output_quality', type: 'integer', default: 80, min: 0, max: 100 },
			{ name: 'target', type: 'integer', default: 4, min: 1, max: 8 },
		],
	},
	{
		name: 'p-image-try-on',
		task: 'tryOn',
		summary: 'Virtual try-on: dresses a person image in garment images',
		requestsPerMinute: 500,
		fields: [
			{ name: 'garment_images', type: 'urlList', required: true },
			{ name: 'person_image', type: 'url', required: true },
			{ name: 'output_format', type: 'choice', default: 'jpg', choices: ['webp', 'jpg', 'png'] },
			{ name: 'output_quality', type: 'integer', default: 95, min: 0, max: 100 },
			{ name: 'preserve_input_size', type: 'boolean', default: true },
			{
				name: 'prompt',
				type: 'string',
				default: '',
				about:
					'Which garment to take from which image, when the garment images are not flat lays (experimental)',
			},
			{ name: 'reference_pose', type: 'url' },
			{ name: 'seed', type: 'integer' },
			{ name: 'turbo', type: 'boolean', default: false },
		],
	},
	{
		name: 'p-image-trainer',
		task: 'loraTraining',
		summary: 'Trains a LoRA for p-image from a zip of images; outputs a zip of weights',
		requestsPerMinute: 5,
		fields: [
			{
				name: 'image_data',
				type: 'url',
				required: true,
				about:
					'A zip of at least 10 images in one style or of one subject, optionally with a .txt caption per image: a URL',
			},
			{ name: 'default_caption', type: 'string' },
			{ name: 'learning_rate', type: 'number', default: 0.0001, min: 1e-5, max: 0.01 },
			{ name: 'steps', type: 'integer', default: 1000, min: 100, max: 5000, multipleOf: 100 },
			{
				name: 'training_type',
				type: 'choice',
				default: 'balanced',
				choices: ['content', 'style', 'balanced'],
			},
		],
	},
	{
		name: 'p-image-edit-trainer',
		task: 'loraTraining',
		summary:
			'Trains a LoRA for p-image-edit from a zip of before/after pairs; outputs a zip of weights',
		requestsPerMinute: 5,
		fields: [
			{
				name: 'image_data',
				type: 'url',
				required: true,
				about: 'A zip of before/after pairs named NAME_start.EXT and NAME_end.EXT: a URL',
			},
			{ name: 'default_caption', type: 'string' },
			{ name: 'learning_rate', type: 'number', default: 0.0001, min: 1e-5, max: 0.01 },
			{ name: 'steps', type: 'integer', default: 1000, min: 100, max: 5000, multipleOf: 100 },
		],
	},
];

const modelsByName = new Map(prunaModels.map((model) => [model.name, model]));

export function findModel(name: string): PrunaModel | undefined {
	return modelsByName.get(name);
}

/** Fields shown up front: the required ones, and lists that need at least one entry. */
export function isPrimaryField(field: ModelField): boolean {
	return field.required === true || (field.minItems ?? 0) > 0;
}
