"""Video in-betweening: from a shot's first and last frame, the frames between.

Two methods: ``latent`` decodes linear interpolations of two VAE latents (the Repro-VAE's own
decoder), and ``3dconv`` is Li et al. 2019 ("From Here to There: Video Inbetweening Using Direct
3D Convolutions"): a latent video grown from noise by gated residual 3D convolutions that fuse the
key frames' encodings, coarse to fine in time, decoded by 3D transposed convolutions and trained
against a video and an image discriminator."""
